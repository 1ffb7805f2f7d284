// `npm run check:deps`: no import cycles anywhere, and the layers of docs/architecture.md.
//
// A message walks webhook → inbound → queue → routing → sessions → outbound → consent → events →
// webhooks, and the folders are layered the same way: a module may import only from its own folder
// or from a folder listed before it here, never from one after it. The edges (HTTP routes, the
// app, the server, the CLI) come last and may use everything.
const layers = [
  ['core', '^src/core/'],
  ['net', '^src/net/'],
  ['errors', '^src/errors\\.ts$'],
  ['logger', '^src/logger\\.ts$'],
  ['config fields', '^src/config-fields\\.ts$'],
  ['config env', '^src/config-env\\.ts$'],
  ['providers', '^src/providers/'],
  ['config', '^src/config\\.ts$'],
  ['store', '^src/store/'],
  ['queue', '^src/queue/'],
  ['metrics', '^src/metrics\\.ts$'],
  ['flows', '^src/flows/'],
  ['runtime', '^src/runtime/'],
  ['events', '^src/events/'],
  ['conversations', '^src/conversations/'],
  ['webhooks', '^src/webhooks/'],
  ['consent', '^src/consent/'],
  ['outbound', '^src/outbound/'],
  ['sessions', '^src/sessions/'],
  ['triggers', '^src/triggers/'],
  ['broadcasts', '^src/broadcasts/'],
  ['routing', '^src/routing/'],
  ['inbound', '^src/inbound/'],
  ['housekeeping', '^src/housekeeping/'],
  ['trace', '^src/trace/'],
  ['http', '^src/http/'],
  ['hooks', '^src/hooks/'],
  ['api', '^src/api/'],
  ['console', '^src/console/'],
  ['app', '^src/app\\.ts$'],
  ['engine', '^src/engine\\.ts$'],
  ['job thread host', '^src/job-thread-host\\.ts$'],
  ['job thread', '^src/job-thread\\.ts$'],
  ['server', '^src/server\\.ts$'],
  ['cli args', '^src/cli-args\\.ts$'],
  ['cli', '^src/cli\\.ts$'],
  ['main', '^src/main\\.ts$'],
];

const testFiles = '\\.test\\.ts$';

const layerRules = layers.slice(0, -1).map(([name, path], index) => ({
  name: `layer-${name.replace(/ /g, '-')}`,
  comment: `${name} may import only from itself and the layers before it (.dependency-cruiser.cjs)`,
  severity: 'error',
  from: { path, pathNot: testFiles },
  to: { path: layers.slice(index + 1).map(([, later]) => later) },
}));

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'Import cycles make modules that cannot be understood, tested or loaded alone.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'test-kits-only-in-tests',
      comment: "A provider's test-kit.ts (its API's stand-in) and test-requests.ts are for tests; production code never imports them.",
      severity: 'error',
      from: { path: '^src/', pathNot: [testFiles, 'test-(kit|kit-contract|requests)\\.ts$'] },
      to: { path: 'test-(kit|kit-contract|requests)\\.ts$' },
    },
    {
      name: 'src-not-from-tests',
      comment: 'Production code does not import from test/ or bench/.',
      severity: 'error',
      from: { path: '^src/', pathNot: [testFiles, 'test-(kit|kit-contract|requests)\\.ts$'] },
      to: { path: '^(test|bench)/' },
    },
    {
      name: 'every-module-in-a-layer',
      comment: 'A new top-level folder or file in src/ gets its place in the layer list above.',
      severity: 'error',
      from: { path: '^src/', pathNot: [testFiles, ...layers.map(([, path]) => path)] },
      to: {},
    },
    ...layerRules,
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
