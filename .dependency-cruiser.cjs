// The architecture as checked data: every rule comes from architecture.json (one table, shown in
// docs/architecture.md). A layer may import only what its row allows, by kind: value imports,
// import() (loaded when used), type-only imports, Node built-ins and npm packages.
const { readFileSync } = require('node:fs');
const path = require('node:path');

const { layers } = JSON.parse(readFileSync(path.join(__dirname, 'architecture.json'), 'utf8'));
const byName = new Map(layers.map((l) => [l.name, l]));
const any = (names) => names.map((n) => `(${byName.get(n).path})`).join('|') || '^$';
const escape = (s) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
const rules = [];
for (const l of layers) {
  const from = { path: l.path };
  rules.push(
    {
      name: `${l.name}: value imports`,
      comment: `${l.name} may import ${l.imports.join(', ') || 'nothing of src'} (architecture.json)`,
      severity: 'error',
      from,
      to: { path: '^src/', pathNot: any(l.imports), dependencyTypesNot: ['type-only', 'dynamic-import'] },
    },
    {
      name: `${l.name}: import()`,
      comment: `${l.name} may load ${[...l.imports, ...l.dynamic].join(', ') || 'nothing of src'} when used`,
      severity: 'error',
      from,
      to: { path: '^src/', pathNot: any([...l.imports, ...l.dynamic]), dependencyTypes: ['dynamic-import'] },
    },
    {
      name: `${l.name}: types`,
      comment: `${l.name} may name the types of ${[...l.imports, ...l.dynamic, ...l.types].join(', ')}`,
      severity: 'error',
      from,
      to: {
        path: '^src/',
        pathNot: any([...l.imports, ...l.dynamic, ...l.types]),
        dependencyTypes: ['type-only'],
      },
    },
    {
      name: `${l.name}: Node built-ins`,
      comment: `${l.name} may use ${l.node.map((n) => `node:${n}`).join(', ') || 'no Node built-in'}`,
      severity: 'error',
      from,
      to: {
        dependencyTypes: ['core'],
        ...(l.node.length > 0 ? { pathNot: `^(${l.node.map(escape).join('|')})$` } : {}),
      },
    },
    {
      name: `${l.name}: packages`,
      comment: `${l.name} may use ${l.packages.join(', ') || 'no npm package'}`,
      severity: 'error',
      from,
      to: {
        dependencyTypes: ['npm', 'npm-dev', 'npm-optional', 'npm-peer', 'npm-no-pkg', 'npm-unknown'],
        ...(l.packages.length > 0 ? { pathNot: `^node_modules/(${l.packages.map(escape).join('|')})/` } : {}),
      },
    },
  );
}
rules.push({
  name: 'no cycles',
  comment: 'an import cycle makes a change in one file a change in all of them',
  severity: 'error',
  from: { path: '^src/' },
  to: { circular: true, dependencyTypesNot: ['type-only'], viaOnly: { dependencyTypesNot: ['type-only'] } },
});

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: rules,
  options: {
    tsPreCompilationDeps: true,
    tsConfig: { fileName: path.join(__dirname, 'tsconfig.json') },
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.d\\.ts$' },
  },
};
