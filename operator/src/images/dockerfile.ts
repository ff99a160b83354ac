import { readFileSync } from 'node:fs';

export interface Instruction {
  keyword: string;
  args: string;
  line: number;
}

export interface Stage {
  /** The image reference with ARG defaults substituted. */
  from: string;
  name: string | undefined;
  instructions: Instruction[];
}

/** Splits a Dockerfile into stages of instructions (continuations joined, comments dropped, FROM ARGs resolved). */
export function parseDockerfile(text: string): Stage[] {
  const instructions: Instruction[] = [];
  let pending = '';
  let start = 0;
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (pending === '' && (line === '' || line.startsWith('#'))) return;
    if (pending === '') start = index + 1;
    if (line.startsWith('#')) return;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      return;
    }
    const full = pending + line;
    pending = '';
    const match = /^(\S+)\s*(.*)$/.exec(full);
    if (match)
      instructions.push({ keyword: (match[1] as string).toUpperCase(), args: match[2] as string, line: start });
  });
  const globalArgs = new Map<string, string>();
  const stages: Stage[] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') {
      const [image = '', , name] = instruction.args.split(/\s+/);
      const from = image.replace(/\$\{?(\w+)\}?/g, (_, arg: string) => globalArgs.get(arg) ?? '');
      stages.push({ from, name, instructions: [] });
    } else if (stages.length === 0 && instruction.keyword === 'ARG') {
      const [key, value = ''] = instruction.args.split('=');
      globalArgs.set(key as string, value);
    } else {
      stages.at(-1)?.instructions.push(instruction);
    }
  }
  return stages;
}

/**
 * The stages of the image `docker build --target <target>` makes: the target last, flattened with the stages it
 * is built FROM (their instructions first, as the image has them), so the final-stage rules see what the image
 * inherits. Without a target, the file's stages as they are (the image is the last one).
 */
export function targetStages(stages: Stage[], target?: string): Stage[] {
  if (target === undefined) return stages;
  const byName = new Map(stages.flatMap((s) => (s.name ? [[s.name, s] as const] : [])));
  const stage = byName.get(target);
  if (!stage) throw new Error(`no stage named ${target}; the named stages are ${[...byName.keys()].join(', ')}`);
  const chain: Stage[] = [];
  for (let s: Stage | undefined = stage; s; s = byName.get(s.from)) {
    if (chain.includes(s))
      throw new Error(`stage ${s.name} is built FROM itself through ${chain.map((c) => c.name).join(' <- ')}`);
    chain.unshift(s);
  }
  const flattened: Stage = { from: chain[0]!.from, name: target, instructions: chain.flatMap((s) => s.instructions) };
  // Every stage stays for the per-stage rules (pinned bases, secrets); the flattened image is the final one.
  return [...stages, flattened];
}

export function readDockerfile(file: string): Stage[] {
  return parseDockerfile(readFileSync(file, 'utf8'));
}

/** `KEY=value` pairs of ENV instructions (the `ENV a=b c=d` form). */
export function envOf(stage: Stage): Map<string, string> {
  const env = new Map<string, string>();
  for (const i of stage.instructions.filter((x) => x.keyword === 'ENV')) {
    for (const match of i.args.matchAll(/(\w+)=("[^"]*"|\S+)/g))
      env.set(match[1] as string, (match[2] as string).replace(/^"|"$/g, ''));
  }
  return env;
}

/** The paths of VOLUME instructions (JSON or plain form). */
export function volumesOf(stage: Stage): string[] {
  return stage.instructions
    .filter((i) => i.keyword === 'VOLUME')
    .flatMap((i) => (i.args.trim().startsWith('[') ? (JSON.parse(i.args) as string[]) : i.args.split(/\s+/)));
}

const SECRET_NAME = /(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIAL|AWS_ACCESS)/i;
const SECRET_FILE = /(^|\/)(\.env(\..*)?|\.npmrc|id_rsa|id_ed25519|.*\.pem|.*\.key|credentials(\.json)?)$/;
const SECRET_VALUE = /(-----BEGIN [A-Z ]*PRIVATE KEY-----|AKIA[0-9A-Z]{16}|ghp_[0-9A-Za-z]{20,}|npm_[0-9A-Za-z]{20,})/;
// Paths a process writes to at run time when told to by these variables or flags.
const WRITABLE_ENV = ['HOME', 'TMPDIR', 'NPM_CONFIG_CACHE', 'XDG_CACHE_HOME', 'XDG_DATA_HOME', 'XDG_CONFIG_HOME'];
const WRITING_FLAGS = /--(store|log-dir|out|data-dir)=(\S+?)"?(,|\]|\s|$)/g;

/** Why a Dockerfile breaks the rules; empty when it keeps them. */
export function violations(stages: Stage[]): string[] {
  const problems: string[] = [];
  const stageNames = new Set(stages.flatMap((s) => (s.name ? [s.name] : [])));
  for (const stage of stages) {
    const pinned = /@sha256:[0-9a-f]{64}$/.test(stage.from) || /:[^:/]*\d+\.\d+\.\d+[^:/]*$/.test(stage.from);
    if (!pinned && !stageNames.has(stage.from))
      problems.push(`FROM ${stage.from} is not pinned to a digest or an exact version tag`);
    for (const i of stage.instructions) {
      if (SECRET_VALUE.test(i.args)) problems.push(`line ${i.line}: ${i.keyword} carries what looks like a credential`);
      if (i.keyword === 'ENV' || i.keyword === 'ARG') {
        for (const name of i.args.matchAll(/(\w+)=/g)) {
          if (SECRET_NAME.test(name[1] as string))
            problems.push(`line ${i.line}: ${i.keyword} ${name[1]} bakes a secret into the image`);
        }
      }
      if (i.keyword === 'COPY' || i.keyword === 'ADD') {
        const sources = i.args
          .split(/\s+/)
          .filter((a) => !a.startsWith('--'))
          .slice(0, -1);
        for (const source of sources)
          if (SECRET_FILE.test(source)) problems.push(`line ${i.line}: ${i.keyword} ${source} copies a secret`);
      }
    }
  }
  const final = stages.at(-1);
  if (!final) return ['no FROM'];
  const users = final.instructions.filter((i) => i.keyword === 'USER');
  const user = users.at(-1)?.args.split(':')[0];
  if (!user) problems.push('the final stage sets no USER, so it runs as root');
  else if (user === 'root' || user === '0' || (/^\d+$/.test(user) && Number(user) < 1000))
    problems.push(`USER ${user} is root or a system user`);
  const lastUser = users.at(-1)?.line ?? 0;
  if (final.instructions.some((i) => i.keyword === 'RUN' && i.line > lastUser))
    problems.push('a RUN after USER runs as that user at build time only; move USER last');
  const volumes = volumesOf(final);
  if (volumes.length === 0)
    problems.push('the final stage declares no VOLUME: nothing is writable on a read-only root filesystem');
  const inVolume = (p: string) => volumes.some((v) => p === v || p.startsWith(`${v}/`));
  const env = envOf(final);
  for (const name of WRITABLE_ENV) {
    const value = env.get(name);
    if (value && !inVolume(value))
      problems.push(`ENV ${name}=${value} points outside the declared volumes ${volumes.join(', ')}`);
  }
  if (!env.has('HOME')) problems.push('HOME is not set: tools that cache under it would write to the read-only root');
  for (const i of final.instructions.filter((x) => x.keyword === 'CMD' || x.keyword === 'ENTRYPOINT')) {
    for (const match of i.args.matchAll(WRITING_FLAGS)) {
      if (!inVolume(match[2] as string))
        problems.push(`${i.keyword} --${match[1]}=${match[2]} writes outside the declared volumes`);
    }
  }
  return problems;
}
