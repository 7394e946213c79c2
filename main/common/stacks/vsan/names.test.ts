// vCenter's formats for the endpoint the workspace names.
import { describe, expect, it } from 'vitest';
import { checkVcenterEndpoint } from './names.js';

const ok = (check: (v: string) => string | undefined, values: string[]) => values.forEach((v) => expect(check(v), JSON.stringify(v)).toBeUndefined());
const bad = (check: (v: string) => string | undefined, values: string[]) => values.forEach((v) => expect(check(v), JSON.stringify(v)).toBeDefined());

describe('names on vCenter', () => {
  it('takes a vCenter endpoint as host, host:port or an https URL without shell characters', () => {
    ok(checkVcenterEndpoint, ['https://vcenter.example.lan/sdk', 'vcenter:443']);
    bad(checkVcenterEndpoint, ['http://vcenter/sdk', 'https://vc/$(id)', 'https://a b/']);
  });
});
