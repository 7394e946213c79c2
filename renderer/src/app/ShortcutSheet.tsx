// The keyboard-shortcut sheet (`?`): printed from the same table the handlers match against.
import { Group, Kbd, Modal, Stack, Table, Text } from '@mantine/core';
import { Fragment } from 'react';
import { comboKeys, isMac, shortcuts, type Shortcut } from './shortcuts.js';

const groups: Shortcut['group'][] = ['Anywhere', 'Canvas', 'Dialogs'];

export function ShortcutSheet({ opened, onClose }: { opened: boolean; onClose(): void }) {
  const mac = isMac();
  return (
    <Modal opened={opened} onClose={onClose} title="Keyboard shortcuts" size="lg" data-testid="shortcut-sheet">
      <Stack gap="md">
        {groups.map((group) => (
          <Stack key={group} gap={4}>
            <Text size="sm" fw={600}>
              {group}
            </Text>
            <Table verticalSpacing={4} fz="sm" withRowBorders={false} layout="fixed">
              <Table.Tbody>
                {shortcuts
                  .filter((s) => s.group === group)
                  .map((s) => (
                    <Table.Tr key={s.id} data-shortcut={s.id}>
                      <Table.Td w={210}>
                        <Group gap={6} wrap="nowrap">
                          {s.combos.map((c, i) => (
                            <Fragment key={i}>
                              {i > 0 && (
                                <Text size="xs" c="dimmed">
                                  or
                                </Text>
                              )}
                              <Group gap={2} wrap="nowrap" aria-label={comboKeys(c, mac).join(' ')}>
                                {comboKeys(c, mac).map((k) => (
                                  <Kbd key={k} size="xs">
                                    {k}
                                  </Kbd>
                                ))}
                              </Group>
                            </Fragment>
                          ))}
                        </Group>
                      </Table.Td>
                      <Table.Td>{s.description}</Table.Td>
                    </Table.Tr>
                  ))}
              </Table.Tbody>
            </Table>
          </Stack>
        ))}
        <Text size="xs" c="dimmed">
          Shortcuts wait while you type in a field or a terminal; {mac ? '⌘' : 'Ctrl'}+` works in the terminal too.
        </Text>
      </Stack>
    </Modal>
  );
}
