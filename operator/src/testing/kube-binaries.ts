import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** The programs of the cluster test tier, built by scripts/kube-bins.sh. */
export interface KubeBinaries {
  kubeVersion: string;
  binDir: string;
  kubeApiserver: string;
  etcd: string;
  kubectl: string;
  helm: string;
}

/** The Kubernetes version the kube-apiserver wrapper module pins (scripts/kube/kube-apiserver/go.mod). */
export function pinnedKubeVersion(): string {
  const goMod = readFileSync(path.join(repoRoot, 'scripts/kube/kube-apiserver/go.mod'), 'utf8');
  const version = /^\s*(?:require\s+)?k8s\.io\/kubernetes\s+(v1\.\d+\.\d+)/m.exec(goMod)?.[1];
  if (!version) throw new Error('scripts/kube/kube-apiserver/go.mod does not require k8s.io/kubernetes v1.x.y');
  return version;
}

/** Where scripts/kube-bins.sh puts the binaries: RECSYS_KUBE_BIN, else the recsys cache's kube/<version>/bin. */
export function kubeBinDir(version = pinnedKubeVersion()): string {
  if (process.env.RECSYS_KUBE_BIN) return process.env.RECSYS_KUBE_BIN;
  const cache =
    process.env.RECSYS_CACHE ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(homedir(), '.cache'), 'recsys');
  return path.join(cache, 'kube', version, 'bin');
}

function onPath(program: string): string | undefined {
  try {
    return execFileSync('sh', ['-c', 'command -v "$1"', 'sh', program], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * The built binaries, or undefined when they are missing so a local run can skip the cluster tier. Under CI=true a
 * missing binary is a failure, never a silent skip: the tier runner builds them first with scripts/kube-bins.sh.
 */
export function kubeBinaries(): KubeBinaries | undefined {
  const kubeVersion = pinnedKubeVersion();
  const binDir = kubeBinDir(kubeVersion);
  const inBin = (name: string) => (existsSync(path.join(binDir, name)) ? path.join(binDir, name) : undefined);
  const kubeApiserver = inBin('kube-apiserver');
  const etcd = inBin('etcd');
  // scripts/kube-bins.sh builds kubectl only when the one on PATH is outside the supported one-minor skew.
  const kubectl = inBin('kubectl') ?? onPath('kubectl');
  const helm = inBin('helm');
  if (kubeApiserver && etcd && kubectl && helm) return { kubeVersion, binDir, kubeApiserver, etcd, kubectl, helm };
  if (process.env.CI === 'true') {
    const missing = Object.entries({ 'kube-apiserver': kubeApiserver, etcd, kubectl, helm })
      .filter(([, file]) => file === undefined)
      .map(([name]) => name);
    throw new Error(`cluster test binaries missing from ${binDir}: ${missing.join(', ')}; run scripts/kube-bins.sh`);
  }
  return undefined;
}
