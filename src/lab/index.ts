/**
 * `tortie lab`: a Calico-shaped node (or several) in network namespaces, with the Tortie
 * dataplane loaded in each and the pods' WorkloadEndpoints applied.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NativeBinding } from '../native/binding.js';
import type { AttachModeOption } from '../dataplane/attach.js';
import { loadNode, removeAllPins, unloadNode, type LoadReport } from '../dataplane/node.js';
import { applyResources, type ApplyReport } from '../dataplane/apply.js';
import { parseResources, validateAll } from '../model/load.js';
import { buildTopology, destroyTopology, podMac } from './build.js';
import { netnsExists, withNetns } from './netns.js';
import { labResourcesYaml } from './resources.js';
import { startNeighWatchers, stopNeighWatchers } from './watchers.js';
import { labSpec, type LabOptions, type LabSpec } from './topology.js';

export const LAB_STATE_DIR = '/run/tortie/lab';
const LAB_PIN_PARENT = '/sys/fs/bpf/tortie';

export interface LabUpReport {
  spec: LabSpec;
  resourcesFile: string;
  loads: Array<{ node: string; report: LoadReport; applied: ApplyReport }>;
}

export interface LabUpOptions extends LabOptions {
  attachMode: AttachModeOption;
  /**
   * false: only the namespaces, links and the resources file; no dataplane is loaded, nothing is
   * applied and no neighbour watchers run (a `tortie daemon` per node does all that).
   */
  loadDataplane?: boolean;
}

export function labUp(native: NativeBinding, opts: LabUpOptions): LabUpReport {
  const spec = labSpec(opts);
  buildTopology(spec);
  try {
    const macs = new Map(spec.nodes.flatMap((n) => n.pods.map((p) => [p.name, podMac(p)] as const)));
    const yaml = labResourcesYaml(spec, macs);
    const dir = join(LAB_STATE_DIR, spec.name);
    mkdirSync(dir, { recursive: true });
    const resourcesFile = join(dir, 'resources.yaml');
    writeFileSync(resourcesFile, yaml);
    writeFileSync(join(dir, 'spec.json'), JSON.stringify(spec, null, 2));

    if (opts.loadDataplane === false) return { spec, resourcesFile, loads: [] };
    const resources = validateAll(parseResources(yaml, resourcesFile));
    const loads = spec.nodes
      .filter((node) => node.dataplane === 'tortie')
      .map((node) =>
        withNetns(native, node.netns, () => {
          const report = loadNode(native, { pinDir: node.pinDir, uplink: node.uplink, attachMode: opts.attachMode, nodeName: node.name });
          const applied = applyResources(native, { pinDir: node.pinDir, nodeName: node.name, attachMode: opts.attachMode }, resources);
          return { node: node.name, report, applied };
        }),
      );
    startNeighWatchers(dir, spec.nodes.filter((n) => n.dataplane === 'tortie'));
    return { spec, resourcesFile, loads };
  } catch (err) {
    labDown(native, spec.name);
    throw err;
  }
}

export interface LabDownReport {
  namespaces: string[];
  pinDirs: string[];
}

export function labDown(native: NativeBinding, name: string): LabDownReport {
  const prefix = `tt-${name}-`;
  const pinDirs = existsSync(LAB_PIN_PARENT)
    ? readdirSync(LAB_PIN_PARENT)
        .filter((d) => d.startsWith(`lab-${name}-`))
        .map((d) => join(LAB_PIN_PARENT, d))
    : [];
  stopNeighWatchers(join(LAB_STATE_DIR, name));
  const errors: unknown[] = [];
  for (const pinDir of pinDirs) {
    const nodeNetns = `${prefix}${pinDir.slice(pinDir.lastIndexOf('-') + 1)}`;
    try {
      if (netnsExists(nodeNetns)) withNetns(native, nodeNetns, () => unloadNode(native, pinDir));
    } catch (err) {
      errors.push(err);
    }
    // Whatever unload could not do (or the namespace is gone and took the attachments with it).
    removeAllPins(native, pinDir);
  }
  const namespaces = destroyTopology(prefix);
  rmSync(join(LAB_STATE_DIR, name), { recursive: true, force: true });
  if (errors.length > 0) throw new AggregateError(errors, `lab ${name} is down, but unloading failed: ${String(errors[0])}`);
  return { namespaces, pinDirs };
}

/** The spec `lab up` saved, or null when that lab is not up. */
export function readLabSpec(name: string): LabSpec | null {
  const path = join(LAB_STATE_DIR, name, 'spec.json');
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as LabSpec) : null;
}

export { labSpec };
