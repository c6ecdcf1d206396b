import { finding, type VerifyFinding } from './findings.js';
import { qi } from '../sql/objects.js';

export interface InvalidIndexFact {
  schema: string;
  name: string;
  table: string;
  unique: boolean;
}

/**
 * One finding per INVALID index, by name: a generic drift hides that a failed CREATE INDEX
 * CONCURRENTLY left an index that slows every write, helps no query and, UNIQUE, lets
 * duplicates in. Named with the migration that creates it, when one does.
 */
export function invalidIndexFindings(
  env: string,
  indexes: readonly InvalidIndexFact[],
  /** `ran`: it has a row here that rollback can act on (applied or failed); false: none. */
  migrations: readonly {
    name: string;
    sql: string;
    hotfix?: string | undefined;
    ran?: boolean | undefined;
  }[],
): VerifyFinding[] {
  return indexes.map((ix) => {
    const mentions = new RegExp(
      `INDEX\\s+(CONCURRENTLY\\s+)?(IF\\s+NOT\\s+EXISTS\\s+)?"?${ix.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"?[\\s(]`,
      'i',
    );
    const by = migrations.find((m) => mentions.test(m.sql));
    const drop = `DROP INDEX CONCURRENTLY ${qi(ix.schema)}.${qi(ix.name)};`;
    // Where the migration never ran (made by hand), rollback has nothing to undo: the DROP does.
    const again =
      by?.hotfix && by.ran !== false
        ? `hotfix rollback ${by.hotfix} --env ${env} (it drops it and settles the migration), then deploy again`
        : by?.hotfix
          ? `${drop} (made by hand: ${by.name} never ran on ${env}, so hotfix rollback has nothing to undo there), then hotfix deploy ${by.hotfix} --env ${env}`
          : `${drop} then create it again with CREATE INDEX CONCURRENTLY`;
    return finding('INVALID_INDEX', {
      env,
      migration: by?.name ?? null,
      hotfix: by?.hotfix ?? null,
      message: `Index ${qi(ix.name)} on ${qi(ix.table)} is INVALID on ${env} (a CREATE INDEX CONCURRENTLY that failed or was stopped): it costs every write, no query uses it${ix.unique ? ', and as UNIQUE it does not stop duplicates' : ''}.`,
      fix: again,
      details: { ...ix, drop },
    });
  });
}
