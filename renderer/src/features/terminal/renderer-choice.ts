// Which xterm.js renderer suits this machine: WebGL on a GPU; the DOM renderer where WebGL is drawn in
// software on the CPU (no GPU, a VM, a remote desktop, headless Chromium), where it is slower and
// costs twice the CPU time (measured by the terminal benchmark).

/** Whether a WebGL implementation name (UNMASKED_RENDERER_WEBGL) is a software rasterizer. */
export function isSoftwareWebgl(name: string): boolean {
  return /swiftshader|llvmpipe|softpipe|software|microsoft basic render|lavapipe/i.test(name);
}
