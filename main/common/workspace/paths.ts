// Field paths inside the workspace: the array form used to find a YAML node, and the text form
// (nodes[2].site) shown to the admin.

export type FieldPath = readonly (string | number)[];

export function formatPath(path: FieldPath): string {
  if (path.length === 0) return '(root)';
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(segment)) text += text ? `.${segment}` : segment;
    else text += `[${JSON.stringify(segment)}]`;
  }
  return text;
}
