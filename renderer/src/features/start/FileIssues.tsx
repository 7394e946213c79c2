// When the workspace file cannot be read: every problem with its line, column and field path.
import { Alert, Code, List, Stack, Text } from '@mantine/core';
import type { WorkspaceIssue } from '../../../../main/common/workspace/schema.js';

export function FileIssues({ path, issues }: { path: string | null; issues: WorkspaceIssue[] }) {
  const errors = issues.filter((i) => i.severity === 'error');
  return (
    <Stack p="lg" data-testid="file-issues">
      <Alert color="red" title="The workspace file has problems; nothing was changed on disk">
        <Text size="sm">
          Fix {errors.length === 1 ? 'this problem' : `these ${errors.length} problems`} in <Code>{path}</Code> with any editor; Clusterwright reads it again when you reopen it.
        </Text>
      </Alert>
      <List size="sm" spacing={4}>
        {issues.map((issue, i) => (
          <List.Item key={i}>
            <Text size="sm" span fw={600} c={issue.severity === 'error' ? 'red' : 'orange'}>
              {issue.line !== undefined ? `line ${issue.line}, column ${issue.column ?? 1}` : 'file'}
            </Text>{' '}
            <Code>{issue.path}</Code> {issue.message}
            {issue.expected ? ` (expected ${issue.expected})` : ''}
          </List.Item>
        ))}
      </List>
    </Stack>
  );
}
