// GitHub's workflow commands as the runner reads them, after the documented syntax
// (docs.github.com/actions/reference/workflows-and-actions/workflow-commands):
// `::command key=value,key=value::message`, values with %, CR, LF, `:` and `,` escaped.

export interface Annotation {
  command: string;
  properties: Record<string, string>;
  message: string;
}

const PROPERTY = String.raw`[A-Za-z]+=[^,:\r\n]*`;
const COMMAND = new RegExp(String.raw`^::([a-z-]+)(?: (${PROPERTY}(?:,${PROPERTY})*))?::([^\r\n]*)$`);

const unescapeData = (s: string) => s.replaceAll('%0D', '\r').replaceAll('%0A', '\n').replaceAll('%25', '%');
const unescapeProperty = (s: string) => unescapeData(s.replaceAll('%3A', ':').replaceAll('%2C', ','));

/** One `::error|warning|notice ...::...` line; throws when it is not in the documented syntax. */
export function parseAnnotation(line: string): Annotation {
  const m = COMMAND.exec(line);
  if (!m || !['error', 'warning', 'notice'].includes(m[1]!)) throw new Error(`not an annotation: ${line}`);
  const properties: Record<string, string> = {};
  for (const pair of m[2] ? m[2].split(',') : []) {
    const at = pair.indexOf('=');
    properties[pair.slice(0, at)] = unescapeProperty(pair.slice(at + 1));
  }
  return { command: m[1]!, properties, message: unescapeData(m[3]!) };
}

/**
 * The annotations a runner takes from a step's output: command lines, except between
 * `::stop-commands::<token>` and `::<token>::`.
 */
export function parseAnnotations(output: string): Annotation[] {
  const out: Annotation[] = [];
  let stoppedUntil: string | undefined;
  for (const line of output.split('\n')) {
    if (stoppedUntil !== undefined) {
      if (line === stoppedUntil) stoppedUntil = undefined;
      continue;
    }
    const stop = /^::stop-commands::(.+)$/.exec(line);
    if (stop) stoppedUntil = `::${stop[1]}::`;
    else if (/^::(error|warning|notice)[ :]/.test(line)) out.push(parseAnnotation(line));
  }
  return out;
}
