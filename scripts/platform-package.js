// The platform package that carries this machine's prebuilt addon, e.g. @descent/linux-x64-gnu. Shared by
// scripts/install.js (at npm install) and lib/backend/native/loader.ts (at require), so both look for the same one.
'use strict';

/** Platform packages published beside descent (package.json optionalDependencies; npm/<name>/). */
const PUBLISHED = ['@descent/linux-x64-gnu', '@descent/linux-arm64-gnu', '@descent/win32-x64'];

/** 'gnu' (glibc) or 'musl' on Linux: Node's report names the glibc it runs on, and has none under musl. */
function linuxLibc() {
  try {
    const header = process.report.getReport().header;
    return header.glibcVersionRuntime ? 'gnu' : 'musl';
  } catch {
    return 'gnu';
  }
}

/** The package name for this platform (published or not). */
function platformPackage(platform = process.platform, arch = process.arch) {
  return platform === 'linux' ? `@descent/linux-${arch}-${linuxLibc()}` : `@descent/${platform}-${arch}`;
}

module.exports = { PUBLISHED, platformPackage };
