// Main-thread long tasks (> 50 ms) of a page, as Chromium reports them to a PerformanceObserver, with
// the long animation frames' script attribution (which function ran), from the first byte on.
import type { BrowserContext, Page } from 'playwright-core';

export interface LongTask {
  startMs: number;
  durationMs: number;
}

export interface LongFrameScript {
  invoker: string;
  source: string;
  durationMs: number;
}

export interface LongFrame {
  startMs: number;
  durationMs: number;
  blockingMs: number;
  scripts: LongFrameScript[];
}

/** Registers the observers on every page of the context before any of its scripts runs. */
export async function recordLongTasks(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    const w = window as unknown as { cwLongTasks: unknown[]; cwLongFrames: unknown[] };
    w.cwLongTasks = [];
    w.cwLongFrames = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) w.cwLongTasks.push({ startMs: e.startTime, durationMs: e.duration });
    }).observe({ type: 'longtask', buffered: true });
    try {
      new PerformanceObserver((list) => {
        for (const e of list.getEntries() as unknown as { startTime: number; duration: number; blockingDuration: number; scripts: { invoker: string; sourceURL: string; sourceFunctionName: string; sourceCharPosition: number; duration: number }[] }[]) {
          w.cwLongFrames.push({
            startMs: e.startTime,
            durationMs: e.duration,
            blockingMs: e.blockingDuration,
            scripts: e.scripts.map((s) => ({ invoker: s.invoker, source: `${s.sourceFunctionName || '(anonymous)'} ${s.sourceURL.split('/').pop()}:${s.sourceCharPosition}`, durationMs: s.duration })),
          });
        }
      }).observe({ type: 'long-animation-frame', buffered: true });
    } catch {
      // Long animation frames are newer than long tasks; the tasks alone still answer the question.
    }
  });
}

export async function longTasksOf(page: Page): Promise<{ tasks: LongTask[]; frames: LongFrame[] }> {
  return page.evaluate(() => {
    const w = window as unknown as { cwLongTasks: LongTask[]; cwLongFrames: LongFrame[] };
    return { tasks: [...w.cwLongTasks], frames: [...w.cwLongFrames] };
  });
}

/** One line per long task, and the scripts of the long animation frames that took the most. */
export function describeLongTasks({ tasks, frames }: { tasks: LongTask[]; frames: LongFrame[] }): string {
  const lines = [`${tasks.length} long task(s): ${tasks.map((t) => `${Math.round(t.durationMs)} ms at ${Math.round(t.startMs)}`).join(', ') || 'none'}`];
  for (const f of frames.filter((f) => f.blockingMs > 0)) {
    const scripts = [...f.scripts].sort((a, b) => b.durationMs - a.durationMs).slice(0, 4);
    lines.push(`  frame at ${Math.round(f.startMs)}: ${Math.round(f.durationMs)} ms (blocking ${Math.round(f.blockingMs)}): ${scripts.map((s) => `${s.invoker} → ${s.source} ${Math.round(s.durationMs)} ms`).join('; ') || 'no script (style, layout, paint)'}`);
  }
  return lines.join('\n');
}
