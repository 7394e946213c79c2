import { describe, expect, it } from 'vitest';
import { estateExceedsView, minimapSize, minimapToWorld, viewportOnMinimap, worldBounds } from './minimap-geometry.js';

const regions = [
  { x: 0, y: 0, width: 400, height: 200 },
  { x: 600, y: 100, width: 400, height: 300 },
];

describe('minimap geometry', () => {
  it('bounds every site with a margin and fits them into the minimap keeping proportions', () => {
    const bounds = worldBounds(regions, 0)!;
    expect(bounds).toEqual({ x: 0, y: 0, width: 1000, height: 400 });
    expect(minimapSize(bounds, 200, 150)).toEqual({ scale: 0.2, width: 200, height: 80 });
    expect(worldBounds([])).toBeNull();
  });

  it('draws the view where it is, and maps a click back to the world point under it', () => {
    const bounds = worldBounds(regions, 0)!;
    const size = minimapSize(bounds, 200, 150);
    // Zoom 2, looking at world x 100…400, y 50…250.
    const view = { x: -200, y: -100, k: 2, width: 600, height: 400 };
    expect(viewportOnMinimap(view, bounds, size.scale, size)).toEqual({ x: 20, y: 10, width: 60, height: 40 });
    expect(minimapToWorld(100, 40, bounds, size.scale)).toEqual({ x: 500, y: 200 });
  });

  it('is needed only while part of the estate lies outside the view', () => {
    const bounds = worldBounds(regions, 0)!;
    expect(estateExceedsView({ x: 0, y: 0, k: 1, width: 1100, height: 500 }, bounds)).toBe(false);
    expect(estateExceedsView({ x: -200, y: -100, k: 2, width: 600, height: 400 }, bounds)).toBe(true);
    expect(estateExceedsView({ x: 0, y: 0, k: 1, width: 0, height: 0 }, bounds)).toBe(false);
  });
});
