// Draws a long list a slice per frame: the first `step` items at once, `step` more on each following
// frame until all are there, so that mounting thousands of elements never blocks the page in one long
// task. A list no longer than `step` is drawn at once. Once all of it is drawn, what it gains later is
// drawn at once too; a new `resetKey` (another estate) starts over.
import { startTransition, useEffect, useState } from 'react';

export function useProgressiveCount(total: number, step: number, resetKey: string): number {
  const [drawn, setDrawn] = useState({ key: resetKey, count: step });
  const count = drawn.key === resetKey ? drawn.count : step;
  useEffect(() => {
    if (count === Infinity) return;
    // All drawn: from now on what the list gains is drawn at once.
    if (count >= total && total > 0) return setDrawn({ key: resetKey, count: Infinity });
    if (count >= total) return;
    let done = false;
    const next = () => {
      if (done) return;
      done = true;
      // A transition: React renders the slice in small steps, yielding to input in between.
      startTransition(() => setDrawn({ key: resetKey, count: count + step }));
    };
    // The next frame; a timer too, since a hidden page gets no frames.
    const frame = requestAnimationFrame(next);
    const timer = setTimeout(next, 100);
    return () => {
      done = true;
      cancelAnimationFrame(frame);
      clearTimeout(timer);
    };
  }, [count, total, step, resetKey]);
  return Math.min(count, total);
}
