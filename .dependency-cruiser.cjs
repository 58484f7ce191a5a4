/**
 * The folder table of ARCHITECTURE.md, enforced. Paths are relative to the directory
 * depcruise runs in (the repository root; the lint tests run it in scratch trees).
 * A newcomer should be able to tell from a file's path what it may import.
 */

module.exports = {
  forbidden: [
    {
      name: 'electron-only-in-shell',
      comment: 'Only main/electron may import electron; the core runs in web mode too.',
      severity: 'error',
      from: { pathNot: '^(main/electron/|test/)' },
      to: { path: '(^|/)node_modules/electron/|^electron$' },
    },
    {
      name: 'electron-only-in-shell-unresolved',
      comment: 'Same rule for an electron import that does not resolve to a package.',
      severity: 'error',
      from: { pathNot: '^(main/electron/|test/)' },
      to: { couldNotResolve: true, path: '^electron$' },
    },
    {
      name: 'renderer-only-contract',
      comment:
        'The renderer is a view: it may import main/contract, react and its own files, nothing else of ours and no node built-ins. ' +
        'Browser packages by name: the kiosk\'s on-screen keyboard (simple-keyboard, its React wrapper and layouts) and qrcode (the receipt number on screen when the printer cannot print).',
      severity: 'error',
      from: { path: '^renderer/', pathNot: '^renderer/vite\\.config\\.ts$' },
      to: {
        pathNot:
          '^(renderer/|main/contract/|node_modules/(react|react-dom|scheduler|zod|@xstate/react|xstate|use-sync-external-store|simple-keyboard|react-simple-keyboard|simple-keyboard-layouts|qrcode)/)',
      },
    },
    {
      name: 'drivers-stay-low',
      comment: 'drivers/ know nothing of main/, offline-cache/ or renderer/.',
      severity: 'error',
      from: { path: '^drivers/' },
      to: { path: '^(main|offline-cache|renderer)/' },
    },
    {
      name: 'drivers-packages',
      comment: 'drivers/ may use node built-ins, serialport, node-hid (pngjs/qrcode for images and previews, pdf-lib for scanned documents, zod to validate device messages such as the payment pad\'s nexo JSON).',
      severity: 'error',
      from: { path: '^drivers/' },
      to: { dependencyTypes: ['npm', 'npm-dev', 'npm-optional', 'npm-peer', 'npm-no-pkg'], pathNot: '^node_modules/(serialport|@serialport/[^/]+|node-hid|pngjs|qrcode|pdf-lib|zod)/' },
    },
    {
      name: 'devices-never-import-each-other',
      comment: 'Inside a device folder: its own files, drivers/transport and the device model only.',
      severity: 'error',
      from: { path: '^drivers/([^/]+)/', pathNot: '^drivers/transport/' },
      to: { path: '^drivers/[^/]+/', pathNot: ['^drivers/$1/', '^drivers/transport/'] },
    },
    {
      name: 'offline-cache-pure-storage',
      comment: 'offline-cache/ knows nothing of the platform, matters, devices or UI.',
      severity: 'error',
      from: { path: '^offline-cache/' },
      to: { path: '^(main|drivers|renderer)/' },
    },
    {
      name: 'offline-cache-packages',
      severity: 'error',
      from: { path: '^offline-cache/' },
      to: { dependencyTypes: ['npm', 'npm-dev', 'npm-optional', 'npm-peer', 'npm-no-pkg'], pathNot: '^node_modules/better-sqlite3/' },
    },
    {
      name: 'contract-is-pure',
      comment: 'main/contract: zod only (no node:, DOM, electron, no other folder).',
      severity: 'error',
      from: { path: '^main/contract/' },
      to: { pathNot: '^(main/contract/|node_modules/zod/)' },
    },
    {
      name: 'catalog-is-pure',
      severity: 'error',
      from: { path: '^main/catalog/' },
      to: { pathNot: '^(main/catalog/|node_modules/zod/)' },
    },
    {
      name: 'workflows-are-pure',
      comment: 'main/workflows: xstate, main/contract and main/catalog types.',
      severity: 'error',
      from: { path: '^main/workflows/' },
      to: { pathNot: '^(main/workflows/|main/contract/|main/catalog/|node_modules/(xstate|zod)/)' },
    },
    {
      name: 'platform-boundary',
      comment: 'main/platform: node, fetch/undici, zod and the contract.',
      severity: 'error',
      from: { path: '^main/platform/' },
      to: { path: '^(main/(core|web|cli|electron|workflows)|drivers|offline-cache|renderer)/' },
    },
    {
      name: 'core-never-hosts',
      comment: 'main/core is the composition root, but it never depends on a host (web, electron) or the CLI.',
      severity: 'error',
      from: { path: '^main/core/' },
      to: { path: '^(main/(web|cli|electron)|renderer)/' },
    },
    {
      name: 'core-never-simulators',
      comment: 'The production composition root never builds simulators: device simulators, sample identities and the platform simulator are assembled by the hosts that want them (main/sim).',
      severity: 'error',
      from: { path: '^main/core/' },
      to: { path: ['^main/sim/', '^main/platform/(simulator|simulator-main|faults)\\.ts$', '^drivers/[^/]+/(simulator|samples)\\.ts$'] },
    },
    {
      name: 'sim-boundary',
      comment: 'main/sim (the simulated terminal for web mode, tests and kioskctl sim) may import drivers, main/platform, main/core, main/catalog (the sample the embedded platform serves) and main/contract; never a host.',
      severity: 'error',
      from: { path: '^main/sim/' },
      to: { path: '^(main/(web|cli|electron|workflows)|offline-cache|renderer)/' },
    },
    {
      name: 'shell-only-contract',
      comment: 'main/electron may import electron and main/contract (and its own files).',
      severity: 'error',
      from: { path: '^main/electron/' },
      to: { path: '^(main/(core|web|cli|workflows|catalog|platform)|drivers|offline-cache|renderer)/' },
    },
    {
      name: 'web-host-boundary',
      comment: 'main/web may import main/core and main/contract.',
      severity: 'error',
      from: { path: '^main/web/' },
      to: { path: '^(main/(cli|electron)|drivers|offline-cache|renderer)/' },
    },
    {
      name: 'cli-boundary',
      comment: 'main/cli may import main/core, main/platform, drivers and offline-cache.',
      severity: 'error',
      from: { path: '^main/cli/' },
      to: { path: '^(main/(web|electron)|renderer)/' },
    },
    {
      name: 'nothing-imports-tests',
      severity: 'error',
      from: { pathNot: '^test/' },
      to: { path: '^test/' },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      from: { pathNot: '^test/fixtures/' },
      to: { couldNotResolve: true, pathNot: '^(electron|virtual:.*)$' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(dist|test/fixtures/lint)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.depcruise.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.tsx', '.js', '.mjs', '.cjs', '.json'],
    },
  },
};
