// Notifications for limits crossed and cleared (the monitor slice's notices): a raised error stays until
// closed, a warning for a while; a clear replaces its raise with a green note.
import { notifications } from '@mantine/notifications';
import { IconAlertTriangle, IconCircleCheck, IconCircleX } from '@tabler/icons-react';
import { useEffect } from 'react';
import { useAppState } from '../../store/context.js';

const safeId = (id: string) => `monitor-${id.replace(/[^A-Za-z0-9_-]/g, '_')}`;

export function MonitorNotifications() {
  const notices = useAppState((s) => s.alertNotices);
  const take = useAppState((s) => s.takeAlertNotices);
  useEffect(() => {
    if (notices.length === 0) return;
    for (const { alert, change } of notices) {
      const id = safeId(alert.id);
      if (change === 'raised') {
        notifications.show({
          id,
          title: alert.severity === 'error' ? 'Limit crossed' : 'Warning',
          message: `${alert.message} (since ${new Date(alert.startedAt).toLocaleTimeString()})`,
          color: alert.severity === 'error' ? 'red' : 'orange',
          icon: alert.severity === 'error' ? <IconCircleX size={18} aria-hidden="true" /> : <IconAlertTriangle size={18} aria-hidden="true" />,
          autoClose: alert.severity === 'error' ? false : 15_000,
          withCloseButton: true,
          'data-testid': 'monitor-notification',
          'data-kind': alert.kind,
          'data-change': 'raised',
        });
      } else {
        notifications.hide(id);
        notifications.show({
          id: `${id}-cleared-${alert.clearedAt ?? Date.now()}`,
          title: 'Back within limits',
          message: `${alert.message} — cleared at ${new Date(alert.clearedAt ?? Date.now()).toLocaleTimeString()}`,
          color: 'green',
          icon: <IconCircleCheck size={18} aria-hidden="true" />,
          autoClose: 8000,
          'data-testid': 'monitor-notification',
          'data-kind': alert.kind,
          'data-change': 'cleared',
        });
      }
    }
    take(notices.length);
  }, [notices, take]);
  return null;
}
