// The dock's terminal tabs: one xterm.js per tab, reconnect in place, broadcast input to several.
import { Badge, Button, CloseButton, Group, Switch, Tabs, Text, Tooltip } from '@mantine/core';
import { useEffect, useRef } from 'react';
import { useAppState } from '../../store/context.js';
import type { TerminalController } from './controller.js';
import '@xterm/xterm/css/xterm.css';

const siteHues = ['#4263eb', '#0ca678', '#f76707', '#ae3ec9', '#1098ad', '#d6336c', '#74b816'];

export function siteHue(site: string | undefined, sites: string[]): string {
  const index = site ? sites.indexOf(site) : -1;
  return index < 0 ? '#868e96' : siteHues[index % siteHues.length]!;
}

function TerminalPane({ id, controller }: { id: string; controller: TerminalController }) {
  const element = useRef<HTMLDivElement>(null);
  useEffect(() => {
    let gone = false;
    let observer: ResizeObserver | null = null;
    void controller.whenSession(id).then((session) => {
      const host = element.current;
      if (gone || !session || !host) return;
      if (!session.terminal.element) {
        session.open(host);
        void controller.connect(id);
      } else if (session.terminal.element.parentElement !== host) {
        host.appendChild(session.terminal.element);
      }
      observer = new ResizeObserver(() => controller.resized(id));
      observer.observe(host);
    });
    return () => {
      gone = true;
      observer?.disconnect();
    };
  }, [id, controller]);
  return <div ref={element} className="cw-terminal" data-testid={`terminal-${id}`} />;
}

export function TerminalDock({ controller, sites }: { controller: TerminalController; sites: string[] }) {
  const tabs = useAppState((s) => s.tabs);
  const active = useAppState((s) => s.activeTab);
  const setActive = useAppState((s) => s.setActiveTab);
  const broadcast = useAppState((s) => s.broadcast);
  const toggleBroadcast = useAppState((s) => s.toggleBroadcast);
  const screenReader = useAppState((s) => s.screenReader);
  const logSessions = useAppState((s) => s.logSessions);
  const setLogSessions = useAppState((s) => s.setLogSessions);
  const options = (
    <Group justify="flex-end" px="xs" py={2} gap="md" className="cw-terminal-options">
      <Switch size="xs" label="Log new sessions to files" checked={logSessions} onChange={(e) => setLogSessions(e.currentTarget.checked)} data-testid="terminal-log-sessions" />
      <Switch size="xs" label="Screen reader mode" checked={screenReader} onChange={(e) => controller.setScreenReader(e.currentTarget.checked)} data-testid="terminal-screen-reader" />
    </Group>
  );
  if (tabs.length === 0) {
    return (
      <>
        {options}
        <Text c="dimmed" size="sm" p="sm">
          Terminals open here: choose “Open terminal” on a node.
        </Text>
      </>
    );
  }
  const broadcasting = broadcast.length > 1;
  return (
    <Tabs value={active} onChange={(v) => v && setActive(v)} keepMounted className="cw-terminal-tabs">
      <Tabs.List>
        {tabs.map((tab) => (
          <Tabs.Tab
            key={tab.id}
            value={tab.id}
            data-testid={`terminal-tab-${tab.title}`}
            style={{ borderTop: `3px solid ${siteHue(tab.site, sites)}` }}
            leftSection={
              <span
                aria-label={tab.state}
                style={{ display: 'inline-block', width: 8, height: 8, borderRadius: 8, background: tab.state === 'open' ? '#2f9e44' : tab.state === 'connecting' ? '#f08c00' : '#e03131' }}
              />
            }
            rightSection={
              <Group gap={2} wrap="nowrap">
                <Tooltip label={broadcast.includes(tab.id) ? 'Stop sending broadcast input to this tab' : 'Send broadcast input to this tab'}>
                  <Switch
                    size="xs"
                    aria-label={`Broadcast to ${tab.title}`}
                    checked={broadcast.includes(tab.id)}
                    onClick={(e) => e.stopPropagation()}
                    onChange={() => toggleBroadcast(tab.id)}
                    data-testid={`broadcast-${tab.title}`}
                  />
                </Tooltip>
                <CloseButton size="xs" aria-label={`Close terminal ${tab.title}`} onClick={(e) => { e.stopPropagation(); void controller.closeTab(tab.id); }} />
              </Group>
            }
          >
            {tab.title}
          </Tabs.Tab>
        ))}
      </Tabs.List>
      {options}
      {broadcasting && (
        <div className="cw-broadcast-bar" role="status" data-testid="broadcast-bar">
          Broadcast: typing goes to {broadcast.length} terminals ({tabs.filter((t) => broadcast.includes(t.id)).map((t) => t.title).join(', ')})
        </div>
      )}
      {tabs.map((tab) => (
        <Tabs.Panel key={tab.id} value={tab.id} className={broadcast.includes(tab.id) && broadcasting ? 'cw-terminal-panel broadcasting' : 'cw-terminal-panel'}>
          {(tab.state === 'closed' || tab.state === 'failed') && (
            <Group gap="xs" p={4} className="cw-terminal-notice">
              <Badge color="red" variant="light">{tab.state === 'failed' ? 'not connected' : 'disconnected'}</Badge>
              <Text size="xs" c="dimmed" truncate>{tab.error}</Text>
              <Button size="compact-xs" onClick={() => void controller.reconnect(tab.id)} data-testid={`reconnect-${tab.title}`}>
                Reconnect
              </Button>
            </Group>
          )}
          <TerminalPane id={tab.id} controller={controller} />
        </Tabs.Panel>
      ))}
    </Tabs>
  );
}
