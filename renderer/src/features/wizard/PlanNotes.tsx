// A planner's notes under its answer (the wizards, the rehearsal, the overlay plan): small, so panels outside the
// lazily loaded wizards can show them without pulling the wizards' code in.
import { Text } from '@mantine/core';

/** A planner's notes (what it chose and why), one line each. */
export function PlanNotes({ notes, dimmed = false }: { notes: readonly string[]; dimmed?: boolean }) {
  return (
    <>
      {notes.map((n, i) => (
        <Text key={i} size="xs" {...(dimmed ? { c: 'dimmed' } : {})}>
          {n}
        </Text>
      ))}
    </>
  );
}
