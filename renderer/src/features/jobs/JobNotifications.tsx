// Notifications for runs that ended (the jobs slice's notices): finished in green, failed in red,
// cancelled or interrupted in orange; "Show the log" opens the run in the dock.
import { Button, Stack, Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconAlertTriangle, IconCircleCheck, IconCircleX } from '@tabler/icons-react';
import { useEffect } from 'react';
import { useAppState } from '../../store/context.js';
import type { JobNotice } from '../../store/jobs-slice.js';

const look: Record<JobNotice['tone'], { color: string; icon: React.ReactNode; autoClose: number | false }> = {
  success: { color: 'green', icon: <IconCircleCheck size={18} aria-hidden="true" />, autoClose: 8000 },
  warning: { color: 'orange', icon: <IconAlertTriangle size={18} aria-hidden="true" />, autoClose: false },
  // A failure stays until the admin closes it.
  error: { color: 'red', icon: <IconCircleX size={18} aria-hidden="true" />, autoClose: false },
};

export function JobNotifications() {
  const notices = useAppState((s) => s.notices);
  const takeNotices = useAppState((s) => s.takeNotices);
  const showDock = useAppState((s) => s.showDock);
  const selectJob = useAppState((s) => s.selectJob);
  useEffect(() => {
    if (notices.length === 0) return;
    for (const notice of notices) {
      const id = `job-${notice.runId}`;
      notifications.show({
        id,
        title: notice.title,
        color: look[notice.tone].color,
        icon: look[notice.tone].icon,
        autoClose: look[notice.tone].autoClose,
        withCloseButton: true,
        'data-testid': `job-notification-${notice.runId}`,
        'data-tone': notice.tone,
        message: (
          <Stack gap={4} align="flex-start">
            <Text size="sm">{notice.message}</Text>
            <Button
              size="compact-xs"
              variant="light"
              color={look[notice.tone].color}
              onClick={() => {
                selectJob(notice.runId);
                showDock('jobs');
                notifications.hide(id);
              }}
            >
              Show the log
            </Button>
          </Stack>
        ),
      });
    }
    takeNotices(notices.map((n) => n.runId));
  }, [notices, takeNotices, showDock, selectJob]);
  return null;
}
