// Generates a corpus of realistic Prisma-generated PostgreSQL migrations (deterministic, seeded).
//
// Each "project" is a schema from a different domain that evolves over many migrations, written
// in the SQL style of `prisma migrate dev` (section comments, quoted names, combined ALTER TABLE,
// the Warnings block, the enum swap), plus the hand edits people make (renames, backfills,
// CONCURRENTLY, NOT VALID, hotfix preambles). The generator knows which statements belong to a
// dangerous class, independently of any linter, and writes that ground truth to manifest.json.
//
//   node bench/lint/corpus.mjs [--out DIR] [--seed N] [--projects N] [--migrations N]

import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Dangerous classes from the issue; every statement of one must be flagged. */
export const CLASSES = [
  'index-without-concurrently',
  'concurrently-in-transaction',
  'constraint-without-not-valid',
  'add-not-null-without-default',
  'column-type-change',
  'drop',
  'rename',
  'missing-timeouts',
  'enum-change',
  'unbatched-dml',
];

function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const DOMAINS = {
  shop: [
    'User',
    'Product',
    'Order',
    'OrderItem',
    'Category',
    'Review',
    'Cart',
    'CartItem',
    'Address',
    'Payment',
    'Shipment',
    'Coupon',
    'Inventory',
    'Warehouse',
    'Supplier',
    'Refund',
  ],
  blog: [
    'User',
    'Post',
    'Comment',
    'Tag',
    'Category',
    'Like',
    'Follow',
    'Media',
    'Newsletter',
    'Subscriber',
    'Draft',
    'Series',
    'Bookmark',
  ],
  saas: [
    'Organization',
    'Member',
    'Team',
    'Project',
    'Task',
    'Invoice',
    'Plan',
    'Subscription',
    'ApiKey',
    'AuditLog',
    'Webhook',
    'Integration',
    'Session',
    'Account',
    'Invitation',
    'FeatureFlag',
  ],
  clinic: [
    'Patient',
    'Doctor',
    'Appointment',
    'Prescription',
    'Clinic',
    'Insurance',
    'Claim',
    'LabResult',
    'Room',
    'Referral',
    'Note',
  ],
  logistics: [
    'Driver',
    'Vehicle',
    'Route',
    'Stop',
    'Delivery',
    'Parcel',
    'Depot',
    'Shift',
    'Incident',
    'FuelLog',
    'Customer',
  ],
  school: [
    'Student',
    'Course',
    'Enrollment',
    'Lesson',
    'Quiz',
    'Grade',
    'Teacher',
    'School',
    'Classroom',
    'Assignment',
    'Submission',
    'Guardian',
  ],
  events: ['Venue', 'Event', 'Ticket', 'Attendee', 'Speaker', 'Talk', 'Sponsor', 'Booth', 'CheckIn', 'Badge'],
  finance: [
    'Account',
    'Transaction',
    'Ledger',
    'Transfer',
    'Card',
    'Merchant',
    'Statement',
    'Dispute',
    'Beneficiary',
    'ExchangeRate',
    'Fee',
  ],
};

const FIELD_POOL = [
  ['name', 'TEXT'],
  ['title', 'TEXT'],
  ['email', 'TEXT'],
  ['slug', 'TEXT'],
  ['description', 'TEXT'],
  ['code', 'VARCHAR(32)'],
  ['reference', 'VARCHAR(64)'],
  ['phone', 'TEXT'],
  ['notes', 'TEXT'],
  ['url', 'TEXT'],
  ['price', 'DECIMAL(65,30)'],
  ['amount', 'DECIMAL(10,2)'],
  ['quantity', 'INTEGER'],
  ['position', 'INTEGER'],
  ['views', 'INTEGER'],
  ['score', 'DOUBLE PRECISION'],
  ['rating', 'DOUBLE PRECISION'],
  ['size', 'BIGINT'],
  ['isActive', 'BOOLEAN'],
  ['published', 'BOOLEAN'],
  ['verified', 'BOOLEAN'],
  ['metadata', 'JSONB'],
  ['settings', 'JSONB'],
  ['tags', 'TEXT[]'],
  ['startsAt', 'TIMESTAMP(3)'],
  ['endsAt', 'TIMESTAMP(3)'],
  ['deletedAt', 'TIMESTAMP(3)'],
  ['expiresAt', 'TIMESTAMP(3)'],
  ['externalId', 'TEXT'],
  ['locale', 'TEXT'],
  ['currency', 'VARCHAR(3)'],
  ['color', 'TEXT'],
  ['avatar', 'TEXT'],
  ['country', 'TEXT'],
  ['version', 'INTEGER'],
];

const DEFAULTS = {
  BOOLEAN: ['false', 'true'],
  INTEGER: ['0', '1'],
  BIGINT: ['0'],
  'DOUBLE PRECISION': ['0'],
  TEXT: ["''", "'unknown'", "'en'"],
  'VARCHAR(3)': ["'EUR'", "'USD'"],
  JSONB: ["'{}'"],
  'TIMESTAMP(3)': ['CURRENT_TIMESTAMP'],
};

const ENUM_POOL = [
  ['Status', ['DRAFT', 'ACTIVE', 'ARCHIVED']],
  ['Role', ['USER', 'ADMIN']],
  ['Priority', ['LOW', 'MEDIUM', 'HIGH']],
  ['State', ['PENDING', 'PROCESSING', 'DONE', 'FAILED']],
  ['Visibility', ['PUBLIC', 'PRIVATE']],
  ['Kind', ['STANDARD', 'PREMIUM']],
  ['Level', ['BEGINNER', 'INTERMEDIATE', 'ADVANCED']],
];
const EXTRA_ENUM_VALUES = [
  'CANCELLED',
  'ON_HOLD',
  'MODERATOR',
  'CRITICAL',
  'UNLISTED',
  'EXPIRED',
  'REVIEW',
  'BLOCKED',
];

const TYPE_CHANGES = {
  INTEGER: ['BIGINT', 'DOUBLE PRECISION', 'TEXT'],
  TEXT: ['VARCHAR(255)', 'VARCHAR(191)', 'CITEXT'],
  'VARCHAR(32)': ['VARCHAR(64)', 'TEXT'],
  'VARCHAR(64)': ['TEXT'],
  'DOUBLE PRECISION': ['DECIMAL(65,30)'],
  'DECIMAL(10,2)': ['DECIMAL(65,30)'],
  'TIMESTAMP(3)': ['TIMESTAMPTZ(3)'],
  BIGINT: ['TEXT'],
  'VARCHAR(3)': ['TEXT'],
};

const ID_STYLES = [
  { type: 'TEXT', decl: '"id" TEXT NOT NULL', fkType: 'TEXT' },
  { type: 'SERIAL', decl: '"id" SERIAL NOT NULL', fkType: 'INTEGER' },
  { type: 'UUID', decl: '"id" UUID NOT NULL DEFAULT gen_random_uuid()', fkType: 'UUID' },
  { type: 'BIGSERIAL', decl: '"id" BIGSERIAL NOT NULL', fkType: 'BIGINT' },
];

const lcFirst = (s) => s.charAt(0).toLowerCase() + s.slice(1);

/** Builds one migration file line by line, recording the line of each statement and its classes. */
class FileBuilder {
  constructor() {
    this.lines = [];
    this.expected = [];
    this.warnings = [];
    this.lockedExisting = false;
    this.timeoutsSet = false;
    this.statements = 0;
    this.concurrent = [];
  }
  comment(text) {
    this.lines.push(`-- ${text}`);
  }
  blank() {
    this.lines.push('');
  }
  /** text may span lines; classes: dangerous classes of this statement; locks: takes a lock on an existing table. */
  stmt(text, { classes = [], locks = false, timeouts = false, concurrent = false } = {}) {
    const line = this.lines.length + 1;
    const end = line + text.split('\n').length - 1;
    for (const cls of classes) this.expected.push({ line, end, cls });
    if (timeouts) this.timeoutsSet = true;
    if (locks && !this.timeoutsSet) this.lockedExisting = true;
    if (concurrent) this.concurrent.push(line);
    this.statements += 1;
    this.lines.push(...`${text};`.split('\n'));
  }
  render() {
    let header = [];
    if (this.warnings.length > 0) {
      header = ['/*', '  Warnings:', '', ...this.warnings.map((w) => `  - ${w}`), '', '*/'];
    }
    const shift = header.length;
    const expected = this.expected.map((e) => ({ line: e.line + shift, end: e.end + shift, cls: e.cls }));
    if (this.concurrent.length > 0 && this.statements > 1) {
      for (const line of this.concurrent) {
        expected.push({ line: line + shift, end: line + shift, cls: 'concurrently-in-transaction' });
      }
    }
    const fileClasses = this.lockedExisting ? ['missing-timeouts'] : [];
    return { text: `${[...header, ...this.lines].join('\n')}\n`, expected, fileClasses };
  }
}

class Project {
  constructor(rand, domain, index) {
    this.rand = rand;
    this.domain = domain;
    this.index = index;
    this.idStyle = ID_STYLES[index % ID_STYLES.length];
    this.models = new Map();
    this.enums = new Map();
    this.pool = [...DOMAINS[domain]];
    this.time = Date.UTC(2022, 0, 3 + index * 11, 9, 0, 0);
  }
  pick(list) {
    return list[Math.floor(this.rand() * list.length)];
  }
  chance(p) {
    return this.rand() < p;
  }
  nextFolder(name) {
    this.time += Math.floor(this.rand() * 9 + 1) * 86_400_000 + Math.floor(this.rand() * 36_000_000);
    const d = new Date(this.time);
    const p = (n, w = 2) => String(n).padStart(w, '0');
    const ts = `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`;
    return `${ts}_${name}`;
  }

  newModel(name) {
    const fields = [];
    const count = 2 + Math.floor(this.rand() * 6);
    const used = new Set();
    for (let i = 0; i < count; i += 1) {
      const [fname, type] = this.pick(FIELD_POOL);
      if (used.has(fname)) continue;
      used.add(fname);
      const nullable = this.chance(0.45);
      const def = !nullable && DEFAULTS[type] && this.chance(0.5) ? this.pick(DEFAULTS[type]) : undefined;
      fields.push({ name: fname, type, nullable, def });
    }
    fields.push({ name: 'createdAt', type: 'TIMESTAMP(3)', nullable: false, def: 'CURRENT_TIMESTAMP' });
    if (this.chance(0.7)) fields.push({ name: 'updatedAt', type: 'TIMESTAMP(3)', nullable: false });
    return { name, fields, indexes: [], fks: [], enumFields: [] };
  }

  colDecl(f) {
    const type = f.enumType ? `"${f.enumType}"` : f.type;
    return `"${f.name}" ${type}${f.nullable ? '' : ' NOT NULL'}${f.def !== undefined ? ` DEFAULT ${f.def}` : ''}`;
  }

  /** CREATE TABLE + its indexes + foreign keys, as Prisma writes them. */
  createModelStatements(m, b, sections) {
    const cols = [this.idStyle.decl, ...m.fields.map((f) => this.colDecl(f))];
    sections.createTable.push(() => {
      b.comment('CreateTable');
      b.stmt(
        `CREATE TABLE "${m.name}" (\n${cols.map((c) => `    ${c},`).join('\n')}\n\n    CONSTRAINT "${m.name}_pkey" PRIMARY KEY ("id")\n)`,
      );
      b.blank();
    });
    for (const ix of m.indexes) {
      sections.createIndex.push(() => {
        b.comment('CreateIndex');
        b.stmt(
          `CREATE ${ix.unique ? 'UNIQUE ' : ''}INDEX "${ix.name}" ON "${m.name}"(${ix.cols.map((c) => `"${c}"`).join(', ')})`,
        );
        b.blank();
      });
    }
    for (const fk of m.fks) {
      sections.addFk.push(() => {
        b.comment('AddForeignKey');
        // The referenced table exists (unless created in this migration): it gets locked.
        b.stmt(this.fkStatement(m.name, fk), { locks: !sections.created.has(fk.ref) });
        b.blank();
      });
    }
  }

  fkStatement(table, fk) {
    const onDelete = fk.nullable ? 'SET NULL' : this.pick(['RESTRICT', 'CASCADE', 'RESTRICT']);
    return `ALTER TABLE "${table}" ADD CONSTRAINT "${table}_${fk.col}_fkey" FOREIGN KEY ("${fk.col}") REFERENCES "${fk.ref}"("id") ON DELETE ${onDelete} ON UPDATE CASCADE`;
  }

  addModel(name, b, sections) {
    const m = this.newModel(name);
    const existing = [...this.models.keys()];
    const refs = Math.min(existing.length, Math.floor(this.rand() * 3));
    for (let i = 0; i < refs; i += 1) {
      const ref = this.pick(existing);
      const col = `${lcFirst(ref)}Id`;
      if (m.fields.some((f) => f.name === col)) continue;
      const nullable = this.chance(0.3);
      m.fields.push({ name: col, type: this.idStyle.fkType, nullable });
      m.fks.push({ col, ref, nullable });
      if (this.chance(0.6)) m.indexes.push({ name: `${name}_${col}_idx`, cols: [col], unique: false });
    }
    const uniq = m.fields.find((f) => ['email', 'slug', 'code', 'externalId', 'reference'].includes(f.name));
    if (uniq) m.indexes.push({ name: `${name}_${uniq.name}_key`, cols: [uniq.name], unique: true });
    if (this.enums.size > 0 && this.chance(0.4)) {
      const [enumName, values] = this.pick([...this.enums.entries()]);
      const fname = lcFirst(enumName);
      if (!m.fields.some((f) => f.name === fname)) {
        m.fields.push({
          name: fname,
          type: enumName,
          enumType: enumName,
          nullable: false,
          def: `'${values[0]}'`,
        });
      }
    }
    sections.created.add(name);
    this.models.set(name, m);
    this.createModelStatements(m, b, sections);
    return m;
  }

  addJoinTable(b, sections) {
    const names = [...this.models.keys()].sort();
    if (names.length < 2) return false;
    const a = this.pick(names);
    const c = this.pick(names.filter((n) => n !== a));
    const [A, B] = [a, c].sort();
    const name = `_${A}To${B}`;
    if (this.models.has(name)) return false;
    const fk = this.idStyle.fkType;
    this.models.set(name, {
      name,
      fields: [],
      indexes: [],
      fks: [],
      enumFields: [],
      join: true,
      refs: [A, B],
    });
    sections.created.add(name);
    const prisma6 = this.chance(0.5);
    sections.createTable.push(() => {
      b.comment('CreateTable');
      b.stmt(
        prisma6
          ? `CREATE TABLE "${name}" (\n    "A" ${fk} NOT NULL,\n    "B" ${fk} NOT NULL,\n\n    CONSTRAINT "${name}_AB_pkey" PRIMARY KEY ("A","B")\n)`
          : `CREATE TABLE "${name}" (\n    "A" ${fk} NOT NULL,\n    "B" ${fk} NOT NULL\n)`,
      );
      b.blank();
    });
    sections.createIndex.push(() => {
      if (!prisma6) {
        b.comment('CreateIndex');
        b.stmt(`CREATE UNIQUE INDEX "${name}_AB_unique" ON "${name}"("A", "B")`);
        b.blank();
      }
      b.comment('CreateIndex');
      b.stmt(`CREATE INDEX "${name}_B_index" ON "${name}"("B")`);
      b.blank();
    });
    sections.addFk.push(() => {
      for (const [col, ref] of [
        ['A', A],
        ['B', B],
      ]) {
        b.comment('AddForeignKey');
        b.stmt(
          `ALTER TABLE "${name}" ADD CONSTRAINT "${name}_${col}_fkey" FOREIGN KEY ("${col}") REFERENCES "${ref}"("id") ON DELETE CASCADE ON UPDATE CASCADE`,
          { locks: !sections.created.has(ref) },
        );
        b.blank();
      }
    });
    return true;
  }

  regularModels() {
    return [...this.models.values()].filter((m) => !m.join);
  }

  /** One schema change between two `prisma migrate dev` runs. Returns a name for the folder. */
  generatedMigration() {
    const b = new FileBuilder();
    const sections = {
      created: new Set(),
      createEnum: [],
      alterEnum: [],
      dropFk: [],
      dropIndex: [],
      alterTable: new Map(),
      dropTable: [],
      createTable: [],
      createIndex: [],
      addFk: [],
      renameIndex: [],
    };
    const alter = (table, clause, classes, warning) => {
      const list = sections.alterTable.get(table) ?? [];
      list.push({ clause, classes });
      sections.alterTable.set(table, list);
      if (warning) b.warnings.push(warning);
    };
    const ops = 1 + Math.floor(this.rand() * 3);
    const names = [];
    for (let k = 0; k < ops; k += 1) {
      const models = this.regularModels().filter((m) => !sections.created.has(m.name));
      const r = this.rand();
      const m = models.length > 0 ? this.pick(models) : undefined;
      if (!m || r < 0.16) {
        const name =
          this.pool.find((n) => !this.models.has(n)) ?? `${this.pick(this.pool)}${this.models.size}`;
        if (this.models.has(name)) continue;
        this.addModel(name, b, sections);
        names.push(`add_${lcFirst(name)}`);
      } else if (r < 0.3) {
        const [fname, type] = this.pick(FIELD_POOL);
        if (m.fields.some((f) => f.name === fname)) continue;
        const f = { name: fname, type, nullable: true };
        m.fields.push(f);
        alter(m.name, `ADD COLUMN     ${this.colDecl(f)}`, []);
        names.push(`${lcFirst(m.name)}_${fname}`);
      } else if (r < 0.38) {
        const [fname, type] = this.pick(FIELD_POOL.filter(([, t]) => DEFAULTS[t]));
        if (m.fields.some((f) => f.name === fname)) continue;
        const f = { name: fname, type, nullable: false, def: this.pick(DEFAULTS[type]) };
        m.fields.push(f);
        alter(m.name, `ADD COLUMN     ${this.colDecl(f)}`, []);
        names.push(`${lcFirst(m.name)}_${fname}_default`);
      } else if (r < 0.44) {
        const [fname, type] = this.pick(FIELD_POOL);
        if (m.fields.some((f) => f.name === fname)) continue;
        const f = { name: fname, type, nullable: false };
        m.fields.push(f);
        alter(
          m.name,
          `ADD COLUMN     ${this.colDecl(f)}`,
          ['add-not-null-without-default'],
          `Added the required column \`${fname}\` to the \`${m.name}\` table without a default value. This is not possible if the table is not empty.`,
        );
        names.push(`require_${lcFirst(m.name)}_${fname}`);
      } else if (r < 0.5) {
        const f = this.pick(m.fields.filter((x) => !x.name.endsWith('Id') && x.name !== 'createdAt'));
        if (!f) continue;
        m.fields = m.fields.filter((x) => x !== f);
        m.indexes = m.indexes.filter((ix) => !ix.cols.includes(f.name));
        alter(
          m.name,
          `DROP COLUMN "${f.name}"`,
          ['drop'],
          `You are about to drop the column \`${f.name}\` on the \`${m.name}\` table. All the data in the column will be lost.`,
        );
        names.push(`drop_${lcFirst(m.name)}_${f.name}`);
      } else if (r < 0.55) {
        const f = this.pick(m.fields.filter((x) => TYPE_CHANGES[x.type] && !x.enumType));
        if (!f) continue;
        const to = this.pick(TYPE_CHANGES[f.type]);
        f.type = to;
        alter(m.name, `ALTER COLUMN "${f.name}" SET DATA TYPE ${to}`, ['column-type-change']);
        names.push(`${lcFirst(m.name)}_${f.name}_type`);
      } else if (r < 0.6) {
        const f = this.pick(m.fields.filter((x) => x.nullable));
        if (!f) continue;
        f.nullable = false;
        alter(m.name, `ALTER COLUMN "${f.name}" SET NOT NULL`, []);
        b.warnings.push(
          `Made the column \`${f.name}\` on table \`${m.name}\` required, but there are existing NULL values.`,
        );
        names.push(`${lcFirst(m.name)}_${f.name}_required`);
      } else if (r < 0.65) {
        const f = this.pick(m.fields.filter((x) => !x.nullable && x.name !== 'createdAt'));
        if (!f) continue;
        f.nullable = true;
        alter(m.name, `ALTER COLUMN "${f.name}" DROP NOT NULL`, ['drop']);
        names.push(`${lcFirst(m.name)}_${f.name}_optional`);
      } else if (r < 0.7) {
        const f = this.pick(m.fields.filter((x) => !x.nullable && x.def === undefined && DEFAULTS[x.type]));
        if (!f) continue;
        f.def = this.pick(DEFAULTS[f.type]);
        alter(m.name, `ALTER COLUMN "${f.name}" SET DEFAULT ${f.def}`, []);
        names.push(`${lcFirst(m.name)}_${f.name}_default`);
      } else if (r < 0.78) {
        const f = this.pick(m.fields.filter((x) => !x.type.endsWith('[]') && x.type !== 'JSONB'));
        if (!f || m.indexes.some((ix) => ix.cols[0] === f.name)) continue;
        const unique = this.chance(0.35);
        const ix = { name: `${m.name}_${f.name}_${unique ? 'key' : 'idx'}`, cols: [f.name], unique };
        m.indexes.push(ix);
        if (unique) {
          b.warnings.push(
            `A unique constraint covering the columns \`[${f.name}]\` on the table \`${m.name}\` will be added. If there are existing duplicate values, this will fail.`,
          );
        }
        sections.createIndex.push(() => {
          b.comment('CreateIndex');
          b.stmt(`CREATE ${unique ? 'UNIQUE ' : ''}INDEX "${ix.name}" ON "${m.name}"("${f.name}")`, {
            classes: ['index-without-concurrently'],
            locks: true,
          });
          b.blank();
        });
        names.push(`${lcFirst(m.name)}_${f.name}_index`);
      } else if (r < 0.81) {
        const ix = this.pick(m.indexes);
        if (!ix) continue;
        m.indexes = m.indexes.filter((x) => x !== ix);
        sections.dropIndex.push(() => {
          b.comment('DropIndex');
          b.stmt(`DROP INDEX "${ix.name}"`, { locks: true });
          b.blank();
        });
        names.push(`drop_${ix.name.toLowerCase()}`);
      } else if (r < 0.86) {
        const others = this.regularModels().filter((x) => x !== m);
        const ref = others.length > 0 ? this.pick(others) : undefined;
        const col = ref ? `${lcFirst(ref.name)}Id` : undefined;
        if (!ref || !col || m.fields.some((f) => f.name === col)) continue;
        m.fields.push({ name: col, type: this.idStyle.fkType, nullable: true });
        const fk = { col, ref: ref.name, nullable: true };
        m.fks.push(fk);
        alter(m.name, `ADD COLUMN     "${col}" ${this.idStyle.fkType}`, []);
        sections.addFk.push(() => {
          b.comment('AddForeignKey');
          b.stmt(this.fkStatement(m.name, fk), { classes: ['constraint-without-not-valid'], locks: true });
          b.blank();
        });
        names.push(`${lcFirst(m.name)}_${lcFirst(ref.name)}`);
      } else if (r < 0.89) {
        // Drop a whole model: its foreign keys first, then the table.
        if (this.regularModels().length < 4) continue;
        const referenced = [...this.models.values()].some(
          (x) =>
            (x.join && x.refs.includes(m.name)) ||
            (sections.created.has(x.name) && x.fks.some((fk) => fk.ref === m.name)),
        );
        if (referenced) continue;
        for (const other of this.regularModels()) {
          for (const fk of other.fks.filter((x) => x.ref === m.name)) {
            other.fks = other.fks.filter((x) => x !== fk);
            sections.dropFk.push(() => {
              b.comment('DropForeignKey');
              b.stmt(`ALTER TABLE "${other.name}" DROP CONSTRAINT "${other.name}_${fk.col}_fkey"`, {
                locks: true,
              });
              b.blank();
            });
          }
        }
        for (const fk of m.fks) {
          sections.dropFk.push(() => {
            b.comment('DropForeignKey');
            b.stmt(`ALTER TABLE "${m.name}" DROP CONSTRAINT "${m.name}_${fk.col}_fkey"`, { locks: true });
            b.blank();
          });
        }
        this.models.delete(m.name);
        b.warnings.push(
          `You are about to drop the \`${m.name}\` table. If the table is not empty, all the data it contains will be lost.`,
        );
        sections.dropTable.push(() => {
          b.comment('DropTable');
          b.stmt(`DROP TABLE "${m.name}"`, { classes: ['drop'], locks: true });
          b.blank();
        });
        names.push(`drop_${lcFirst(m.name)}`);
      } else if (r < 0.93) {
        // Enums: create one with a column, add a value, or remove one (Prisma's enum swap).
        const existing = [...this.enums.entries()];
        const choice = this.rand();
        if (existing.length === 0 || choice < 0.35) {
          const [enumName, values] = this.pick(ENUM_POOL);
          if (this.enums.has(enumName)) continue;
          this.enums.set(enumName, [...values]);
          sections.createEnum.push(() => {
            b.comment('CreateEnum');
            b.stmt(`CREATE TYPE "${enumName}" AS ENUM (${values.map((v) => `'${v}'`).join(', ')})`);
            b.blank();
          });
          const fname = lcFirst(enumName);
          if (!m.fields.some((f) => f.name === fname)) {
            const f = {
              name: fname,
              type: enumName,
              enumType: enumName,
              nullable: false,
              def: `'${values[0]}'`,
            };
            m.fields.push(f);
            alter(m.name, `ADD COLUMN     ${this.colDecl(f)}`, []);
          }
          names.push(`${lcFirst(enumName)}_enum`);
        } else if (choice < 0.75) {
          const [enumName, values] = this.pick(existing);
          const value = EXTRA_ENUM_VALUES.find((v) => !values.includes(v));
          if (!value) continue;
          values.push(value);
          sections.alterEnum.push(() => {
            b.comment('AlterEnum');
            b.stmt(`ALTER TYPE "${enumName}" ADD VALUE '${value}'`, { classes: ['enum-change'] });
            b.blank();
          });
          names.push(`${lcFirst(enumName)}_${value.toLowerCase()}`);
        } else {
          const [enumName, values] = this.pick(existing);
          if (values.length < 3) continue;
          const removed = values.pop();
          const users = this.regularModels()
            .filter((x) => !sections.created.has(x.name))
            .flatMap((x) =>
              x.fields.filter((f) => f.enumType === enumName).map((f) => ({ table: x.name, f })),
            );
          b.warnings.push(
            `The values [${removed}] on the enum \`${enumName}\` will be removed. If these variants are still used in the database, this will fail.`,
          );
          sections.alterEnum.push(() => {
            b.comment('AlterEnum');
            b.stmt('BEGIN');
            b.stmt(`CREATE TYPE "${enumName}_new" AS ENUM (${values.map((v) => `'${v}'`).join(', ')})`);
            for (const { table, f } of users) {
              if (f.def !== undefined)
                b.stmt(`ALTER TABLE "${table}" ALTER COLUMN "${f.name}" DROP DEFAULT`, { locks: true });
              b.stmt(
                `ALTER TABLE "${table}" ALTER COLUMN "${f.name}" TYPE "${enumName}_new" USING ("${f.name}"::text::"${enumName}_new")`,
                { classes: ['column-type-change'], locks: true },
              );
            }
            b.stmt(`ALTER TYPE "${enumName}" RENAME TO "${enumName}_old"`);
            b.stmt(`ALTER TYPE "${enumName}_new" RENAME TO "${enumName}"`, { classes: ['enum-change'] });
            b.stmt(`DROP TYPE "${enumName}_old"`);
            for (const { table, f } of users) {
              if (f.def !== undefined) {
                f.def = `'${values[0]}'`;
                b.stmt(`ALTER TABLE "${table}" ALTER COLUMN "${f.name}" SET DEFAULT ${f.def}`, {
                  locks: true,
                });
              }
            }
            b.stmt('COMMIT');
            b.blank();
          });
          names.push(`remove_${lcFirst(enumName)}_${removed.toLowerCase()}`);
        }
      } else if (r < 0.96) {
        if (!this.addJoinTable(b, sections)) continue;
        names.push('many_to_many');
      } else {
        // Rename an index (Prisma does this after @@map/@@index name changes).
        const ix = this.pick(m.indexes);
        if (!ix) continue;
        const old = ix.name;
        ix.name = `${m.name}_${ix.cols.join('_')}_${ix.unique ? 'ukey' : 'index'}`;
        if (old === ix.name) continue;
        sections.renameIndex.push(() => {
          b.comment('RenameIndex');
          b.stmt(`ALTER INDEX "${old}" RENAME TO "${ix.name}"`);
          b.blank();
        });
        names.push(`rename_index_${lcFirst(m.name)}`);
      }
    }
    for (const fn of sections.createEnum) fn();
    for (const fn of sections.alterEnum) fn();
    for (const fn of sections.dropFk) fn();
    for (const fn of sections.dropIndex) fn();
    for (const [table, clauses] of sections.alterTable) {
      b.comment('AlterTable');
      b.stmt(`ALTER TABLE "${table}" ${clauses.map((c) => c.clause).join(',\n')}`, {
        classes: [...new Set(clauses.flatMap((c) => c.classes))],
        locks: !sections.created.has(table),
      });
      b.blank();
    }
    for (const fn of sections.dropTable) fn();
    for (const fn of sections.createTable) fn();
    for (const fn of sections.createIndex) fn();
    for (const fn of sections.addFk) fn();
    for (const fn of sections.renameIndex) fn();
    if (b.statements === 0) return undefined;
    return { name: names.slice(0, 2).join('_') || 'update', ...b.render() };
  }

  /** What people write by hand with `migrate dev --create-only`. */
  handWrittenMigration() {
    const b = new FileBuilder();
    const models = this.regularModels();
    const m = this.pick(models);
    if (!m) return undefined;
    const r = this.rand();
    const T = `"${m.name}"`;
    const field = this.pick(m.fields.filter((f) => !f.name.endsWith('Id'))) ?? m.fields[0];
    if (!field) return undefined;
    let name;
    if (r < 0.12) {
      const to = `${field.name}Value`;
      b.stmt(`ALTER TABLE ${T} RENAME COLUMN "${field.name}" TO "${to}"`, {
        classes: ['rename'],
        locks: true,
      });
      field.name = to;
      name = `rename_${lcFirst(m.name)}_${to}`;
    } else if (r < 0.18) {
      const to = `${m.name}Record`;
      if (this.models.has(to)) return undefined;
      b.comment('Renamed by hand instead of drop + create (keeps the data)');
      b.stmt(`ALTER TABLE ${T} RENAME TO "${to}"`, { classes: ['rename'], locks: true });
      b.stmt(`ALTER TABLE "${to}" RENAME CONSTRAINT "${m.name}_pkey" TO "${to}_pkey"`, { locks: true });
      for (const ix of m.indexes) {
        const nn = ix.name.replace(m.name, to);
        b.stmt(`ALTER INDEX "${ix.name}" RENAME TO "${nn}"`);
        ix.name = nn;
      }
      this.models.delete(m.name);
      for (const other of this.models.values()) {
        for (const fk of other.fks) if (fk.ref === m.name) fk.ref = to;
        if (other.refs) other.refs = other.refs.map((x) => (x === m.name ? to : x));
      }
      m.name = to;
      this.models.set(to, m);
      name = `rename_${lcFirst(to)}`;
    } else if (r < 0.3) {
      b.comment('Backfill');
      if (this.chance(0.5)) {
        b.stmt(`UPDATE ${T} SET "${field.name}" = ${DEFAULTS[field.type]?.[0] ?? 'NULL'}`, {
          classes: ['unbatched-dml'],
        });
      } else {
        b.stmt(
          `UPDATE ${T} SET "${field.name}" = ${DEFAULTS[field.type]?.[0] ?? 'NULL'} WHERE "${field.name}" IS NULL AND "id" IN (SELECT "id" FROM ${T} WHERE "${field.name}" IS NULL LIMIT 1000)`,
        );
      }
      name = `backfill_${lcFirst(m.name)}_${field.name}`;
    } else if (r < 0.36) {
      b.comment('Purge');
      if (this.chance(0.5)) b.stmt(`DELETE FROM ${T}`, { classes: ['unbatched-dml'] });
      else b.stmt(`DELETE FROM ${T} WHERE "createdAt" < now() - interval '90 days'`);
      name = `purge_${lcFirst(m.name)}`;
    } else if (r < 0.48) {
      // Hotfix done right: timeouts, CHECK/FK NOT VALID, validation later.
      b.stmt("SET lock_timeout = '5s'", { timeouts: true });
      b.stmt("SET statement_timeout = '60s'", { timeouts: true });
      b.blank();
      const others = models.filter((x) => x !== m);
      if (others.length > 0 && this.chance(0.5)) {
        const ref = this.pick(others);
        const col = `${lcFirst(ref.name)}Id`;
        if (!m.fields.some((f) => f.name === col)) {
          b.stmt(`ALTER TABLE ${T} ADD COLUMN "${col}" ${this.idStyle.fkType}`, { locks: true });
          m.fields.push({ name: col, type: this.idStyle.fkType, nullable: true });
        }
        b.stmt(
          `ALTER TABLE ${T} ADD CONSTRAINT "${m.name}_${col}_fkey" FOREIGN KEY ("${col}") REFERENCES "${ref.name}"("id") ON DELETE SET NULL ON UPDATE CASCADE NOT VALID`,
          { locks: true },
        );
      } else {
        b.stmt(
          `ALTER TABLE ${T} ADD CONSTRAINT "${m.name}_${field.name}_check" CHECK ("${field.name}" IS NOT NULL) NOT VALID`,
          {
            locks: true,
          },
        );
      }
      name = `hotfix_${lcFirst(m.name)}_constraint`;
    } else if (r < 0.6) {
      // CONCURRENTLY alone in its migration: what the lint asks for.
      const f = this.pick(m.fields.filter((x) => x.type !== 'JSONB' && !x.type.endsWith('[]')));
      if (!f) return undefined;
      b.stmt(`CREATE INDEX CONCURRENTLY IF NOT EXISTS "${m.name}_${f.name}_idx" ON ${T}("${f.name}")`, {
        concurrent: true,
      });
      name = `hotfix_${lcFirst(m.name)}_${f.name}_index`;
    } else if (r < 0.68) {
      // CONCURRENTLY next to other statements: fails with 25001 under Prisma.
      const f = this.pick(m.fields.filter((x) => x.type !== 'JSONB' && !x.type.endsWith('[]')));
      if (!f) return undefined;
      b.comment('CreateIndex');
      b.stmt(`CREATE INDEX CONCURRENTLY "${m.name}_${f.name}_cidx" ON ${T}("${f.name}")`, {
        concurrent: true,
      });
      b.blank();
      b.comment('AlterTable');
      b.stmt(`ALTER TABLE ${T} ALTER COLUMN "${f.name}" SET STATISTICS 500`, { locks: true });
      name = `index_${lcFirst(m.name)}_${f.name}`;
    } else if (r < 0.76) {
      const f = this.pick(
        m.fields.filter((x) =>
          ['INTEGER', 'DECIMAL(10,2)', 'DECIMAL(65,30)', 'DOUBLE PRECISION', 'BIGINT'].includes(x.type),
        ),
      );
      if (!f) return undefined;
      b.comment('Added by hand: Prisma has no CHECK constraints');
      b.stmt(`ALTER TABLE ${T} ADD CONSTRAINT "${m.name}_${f.name}_check" CHECK ("${f.name}" >= 0)`, {
        classes: ['constraint-without-not-valid'],
        locks: true,
      });
      name = `check_${lcFirst(m.name)}_${f.name}`;
    } else if (r < 0.84) {
      b.comment('Trigram search');
      b.stmt('CREATE EXTENSION IF NOT EXISTS pg_trgm');
      b.blank();
      b.comment('CreateIndex');
      b.stmt(
        `CREATE INDEX "${m.name}_${field.name}_trgm_idx" ON ${T} USING GIN ("${field.name}" gin_trgm_ops)`,
        {
          classes: ['index-without-concurrently'],
          locks: true,
        },
      );
      name = `search_${lcFirst(m.name)}`;
    } else if (r < 0.9) {
      b.comment('View for reporting');
      b.stmt(
        `CREATE OR REPLACE VIEW "${m.name}Summary" AS SELECT date_trunc('day', "createdAt") AS "day", count(*) AS "count" FROM ${T} GROUP BY 1`,
      );
      name = `view_${lcFirst(m.name)}`;
    } else {
      b.comment('Function + trigger kept by hand');
      b.stmt(
        `CREATE OR REPLACE FUNCTION "touch_${m.name}"() RETURNS trigger AS $$\nBEGIN\n  NEW."createdAt" = COALESCE(NEW."createdAt", now());\n  RETURN NEW;\nEND;\n$$ LANGUAGE plpgsql`,
      );
      b.stmt(
        `CREATE TRIGGER "${m.name}_touch" BEFORE INSERT ON ${T} FOR EACH ROW EXECUTE FUNCTION "touch_${m.name}"()`,
        {
          locks: true,
        },
      );
      name = `trigger_${lcFirst(m.name)}`;
    }
    return { name, hand: true, ...b.render() };
  }

  initMigration() {
    const b = new FileBuilder();
    const sections = {
      created: new Set(),
      createEnum: [],
      createTable: [],
      createIndex: [],
      addFk: [],
    };
    const enumCount = Math.floor(this.rand() * 3);
    for (let i = 0; i < enumCount; i += 1) {
      const [enumName, values] = this.pick(ENUM_POOL);
      if (this.enums.has(enumName)) continue;
      this.enums.set(enumName, [...values]);
      sections.createEnum.push(() => {
        b.comment('CreateEnum');
        b.stmt(`CREATE TYPE "${enumName}" AS ENUM (${values.map((v) => `'${v}'`).join(', ')})`);
        b.blank();
      });
    }
    const count = 3 + Math.floor(this.rand() * 6);
    for (let i = 0; i < count && i < this.pool.length; i += 1) this.addModel(this.pool[i], b, sections);
    if (this.chance(0.5)) this.addJoinTable(b, sections);
    for (const fn of sections.createEnum) fn();
    for (const fn of sections.createTable) fn();
    for (const fn of sections.createIndex) fn();
    for (const fn of sections.addFk) fn();
    return { name: 'init', ...b.render() };
  }
}

export function generateCorpus({ out, seed = 20240607, projects = 12, migrations = 40 } = {}) {
  const rand = mulberry32(seed);
  const domains = Object.keys(DOMAINS);
  const files = [];
  for (let p = 0; p < projects; p += 1) {
    const domain = domains[p % domains.length];
    const project = new Project(rand, domain, p);
    const projectDir = path.join(out, `${String(p + 1).padStart(2, '0')}-${domain}`, 'migrations');
    mkdirSync(projectDir, { recursive: true });
    writeFileSync(
      path.join(projectDir, 'migration_lock.toml'),
      '# Please do not edit this file manually\n# It should be added in your version-control system (e.g., Git)\nprovider = "postgresql"\n',
    );
    const count = migrations + Math.floor(rand() * migrations * 0.5);
    let made = 0;
    let guard = 0;
    while (made < count && guard < count * 5) {
      guard += 1;
      const m =
        made === 0
          ? project.initMigration()
          : rand() < 0.22
            ? project.handWrittenMigration()
            : project.generatedMigration();
      if (!m) continue;
      const folder = project.nextFolder(m.name.slice(0, 60));
      mkdirSync(path.join(projectDir, folder));
      const file = path.join(projectDir, folder, 'migration.sql');
      writeFileSync(file, m.text);
      files.push({
        path: file,
        hotfix: m.name.startsWith('hotfix_'),
        expected: m.expected,
        fileClasses: m.fileClasses,
      });
      made += 1;
    }
  }
  writeFileSync(
    path.join(out, 'manifest.json'),
    `${JSON.stringify({ seed, classes: CLASSES, files }, null, 2)}\n`,
  );
  return { out, files };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const opt = (name, fallback) => {
    const i = args.indexOf(name);
    return i === -1 ? fallback : args[i + 1];
  };
  const out = opt('--out', undefined) ?? mkdtempSync(path.join(os.tmpdir(), 'hotfix-lint-corpus-'));
  const { files } = generateCorpus({
    out,
    seed: Number(opt('--seed', 20240607)),
    projects: Number(opt('--projects', 12)),
    migrations: Number(opt('--migrations', 40)),
  });
  console.log(`${files.length} migration files in ${out}`);
}
