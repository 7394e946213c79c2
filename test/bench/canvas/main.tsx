// Benchmark page: lays out and renders a large estate with the real canvas, and exposes timings.
import '@mantine/core/styles.css';
import '../../../renderer/src/app/global.css';
import { MantineProvider } from '@mantine/core';
import { createRoot } from 'react-dom/client';
import { createRef } from 'react';
import { TopologyCanvas, type CanvasHandle } from '../../../renderer/src/features/topology/TopologyCanvas.js';
import { Minimap } from '../../../renderer/src/features/topology/Minimap.js';
import { computeLayout, siteRegions } from '../../../renderer/src/features/topology/layout.js';
import { largeEstate } from './generate.js';

const params = new URLSearchParams(location.search);
const graph = largeEstate(Number(params.get('nodes') ?? 1000), Number(params.get('links') ?? 3000));
const t0 = performance.now();
const layout = computeLayout(graph);
const layoutMs = performance.now() - t0;
(window as unknown as { dragFrames: number[] }).dragFrames = [];
const handle = createRef<CanvasHandle>();
const root = createRoot(document.getElementById('root')!);
const t1 = performance.now();
root.render(
  <MantineProvider>
    <div style={{ width: 1280, height: 800, position: 'relative' }}>
      <TopologyCanvas
        handle={handle}
        graph={graph}
        positions={layout.positions}
        onDragFrame={(ms) => (window as unknown as { dragFrames: number[] }).dragFrames.push(ms)}
      />
      {/* As in the app: the minimap follows every zoom and pan. */}
      <Minimap graph={graph} positions={layout.positions} regions={siteRegions(graph, layout.positions)} canvas={handle} />
    </div>
  </MantineProvider>,
);
// A large estate is drawn a slice per frame: "first render" is until every card and link is there (and a frame after).
const drawn = () => document.querySelectorAll('g[data-node-id]').length === graph.nodes.length && document.querySelectorAll('line[data-link-id]').length === graph.links.length;
const waitDrawn = () =>
  requestAnimationFrame(() => {
    if (!drawn()) return waitDrawn();
    requestAnimationFrame(() => {
      (window as unknown as { benchResult: unknown }).benchResult = { layoutMs, ticks: layout.ticks, firstPaintMs: performance.now() - t1 };
    });
  });
waitDrawn();
