// The what-if panel rendered without a browser: a cluster's findings sit beside its verdicts (the picked
// failures' and every single failure's), not only when the model has no outcome at all.
import { MantineProvider } from '@mantine/core';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { parseWorkspace } from '../../../../main/common/workspace/parse.js';
import { createAppStore } from '../../store/index.js';
import { BackendProvider } from '../../store/context.js';
import { createFakeTransport } from '../../transport/fake.js';
import { WhatIfPanel } from './WhatIfPanel.js';
import { unstretchedVsanYaml as yaml } from './test-workspaces.js';
import { whatIfView } from './whatif-view.js';


interface Shown {
  testId: string;
  cluster?: string;
  title?: string;
  text: string;
}

const decode = (s: string) => s.replace(/&quot;/g, '"').replace(/&#x27;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
const attr = (tag: string, name: string) => {
  const m = new RegExp(` ${name}="([^"]*)"`).exec(tag);
  return m ? decode(m[1]!) : undefined;
};

/** The panel's lines with a test id, in document order (the markup has no DOM here: its <p> elements hold no other <p>). */
function render(failures: Parameters<typeof whatIfView>[1]): Shown[] {
  const transport = createFakeTransport({});
  const view = whatIfView(parseWorkspace(yaml).workspace!, failures);
  const html = renderToStaticMarkup(
    <MantineProvider>
      <BackendProvider store={createAppStore(transport)} transport={transport}>
        <WhatIfPanel view={view} />
      </BackendProvider>
    </MantineProvider>,
  );
  return [...html.matchAll(/(<p [^>]*data-testid="(whatif-[a-z]+)"[^>]*>)(.*?)<\/p>/g)].map((m) => {
    const shown: Shown = { testId: m[2]!, text: decode(m[3]!.replace(/<[^>]*>/g, '')) };
    const cluster = attr(m[1]!, 'data-cluster');
    const title = attr(m[1]!, 'title');
    if (cluster !== undefined) shown.cluster = cluster;
    if (title !== undefined) shown.title = title;
    return shown;
  });
}

const TWO_FAULT_DOMAINS = /^⚠ vSAN cluster plain has two fault domains \(a and b\): FTT=1 mirroring needs three/;

describe('the what-if panel', () => {
  it('shows a cluster’s finding right under its verdict for the picked failure, and once above the single failures', () => {
    const shown = render([{ kind: 'link', between: ['a', 'b'] }]);
    expect(shown.map((s) => s.testId)).toEqual(['whatif-verdict', 'whatif-finding', 'whatif-finding', 'whatif-single', 'whatif-single', 'whatif-single']);
    const [verdict, finding, singlesFinding] = shown;
    expect(verdict!.text).toBe('plain: link a–b cut: no partition keeps the objects (a: 1 of 3 votes, needs 2; b: 1 of 3 votes, needs 2)');
    expect(finding!.text).toMatch(TWO_FAULT_DOMAINS);
    // The whole finding on hover, where two lines cut it short.
    expect(finding!.title).toMatch(/^vSAN cluster plain has two fault domains .*repair the objects$/);
    expect(singlesFinding).toMatchObject({ cluster: 'plain', text: expect.stringMatching(TWO_FAULT_DOMAINS) });
  });

  it('shows the finding beside the single failures when nothing is picked', () => {
    const shown = render([]);
    expect(shown.map((s) => s.testId)).toEqual(['whatif-finding', 'whatif-single', 'whatif-single', 'whatif-single']);
    expect(shown[0]).toMatchObject({ cluster: 'plain', text: expect.stringMatching(TWO_FAULT_DOMAINS) });
  });
});
