// The Content-Security-Policy shared by the web host and the Electron app:// protocol.
export const contentSecurityPolicy = [
  "default-src 'self'",
  "script-src 'self'",
  // Mantine and xterm.js set inline style attributes and <style> tags.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'none'",
].join('; ');
