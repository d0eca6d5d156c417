/**
 * Attaching programs to tc hooks: tcx links where the kernel has them (pinned, so they outlive the
 * CLI), clsact + cls_bpf otherwise. Re-attaching replaces the program atomically (link update, or
 * filter replace at the same handle/priority): measured hitless, unlike delete + add. Many hooks at
 * once (a node load): attachPrograms, which makes each new tcx link ~10 ms cheaper (rcu.ts).
 */
import { existsSync, readdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { NativeBinding } from '../native/binding.js';
import { BpfError } from '../native/errors.js';
import type { PinLayout } from './bpffs.js';
import { withExpeditedRcu } from './rcu.js';

export type Hook = 'ingress' | 'egress';
export type AttachMode = 'tcx' | 'tc';
export type AttachModeOption = AttachMode | 'auto';

/** Not in the 6.1 uapi headers Debian 12 ships; values checked against the kernel's BTF. */
export const BPF_TCX_INGRESS = 46;
export const BPF_TCX_EGRESS = 47;
/** Our cls_bpf filter's identity on clsact hooks ('tt'). */
export const TC_HANDLE = 0x7474;
export const TC_PRIORITY = 1;
/** Programs are recognised as ours by this name prefix. */
export const PROGRAM_PREFIX = 'tt_';

export interface AttachTarget {
  ifindex: number;
  ifname: string;
  hook: Hook;
}

export interface AttachResult {
  mode: AttachMode;
  replaced: boolean;
}

const tcxType = (hook: Hook) => (hook === 'ingress' ? BPF_TCX_INGRESS : BPF_TCX_EGRESS);

export function linkPinPath(layout: PinLayout, target: AttachTarget): string {
  return join(layout.links, `${target.ifname.replace(/\./g, '_')}_${target.hook}`);
}

let tcxUnsupported = false;

function isTcxMissing(err: unknown): boolean {
  return err instanceof BpfError && ['EINVAL', 'EOPNOTSUPP', 'ENOTSUPP', 'E524'].includes(err.code);
}

export function attachProgram(
  native: NativeBinding,
  layout: PinLayout,
  target: AttachTarget,
  progFd: number,
  mode: AttachModeOption,
): AttachResult {
  if (mode === 'tc' || (mode === 'auto' && tcxUnsupported)) return attachTc(native, layout, target, progFd);
  try {
    return attachTcx(native, layout, target, progFd);
  } catch (err) {
    if (mode === 'auto' && isTcxMissing(err)) {
      tcxUnsupported = true; // kernels before 6.6: fall back for the rest of this process
      return attachTc(native, layout, target, progFd);
    }
    throw err;
  }
}

/** One program for one hook: an item of attachPrograms. */
export interface AttachRequest extends AttachTarget {
  progFd: number;
}

/** A failed attach, naming its hook; `cause` is what the kernel (or the pin) said. */
export class AttachError extends Error {
  override name = 'AttachError';
  /** the cause's hint (PermissionError, NotSupportedError), for the CLI to show */
  readonly hint?: string;

  constructor(
    readonly target: AttachTarget,
    cause: unknown,
  ) {
    const why = cause instanceof Error ? cause.message : String(cause);
    super(`cannot attach to the ${target.hook} hook of ${target.ifname} (ifindex ${target.ifindex}): ${why}`, { cause });
    const hint = (cause as { hint?: unknown } | null)?.hint;
    if (typeof hint === 'string') this.hint = hint;
  }
}

/** What attachPrograms did for one request. */
export type AttachOutcome = ({ ok: true } & AttachResult) | { ok: false; error: AttachError };

export interface AttachProgramsOptions {
  /** expedited RCU grace periods during the batch (rcu.ts); default true */
  expediteRcu?: boolean;
}

/**
 * attachProgram for many hooks, in order, each with exactly its semantics: per hook, either the
 * program runs there (link updated or created and pinned, leftover filter removed) or the error is
 * reported in that hook's outcome, and the other hooks go on. New and detached tcx links each wait
 * for an RCU grace period under the RTNL, which serialises them (threads don't help): the batch
 * runs with expedited grace periods instead, ~0.1 ms per link rather than ~11.
 */
export function attachPrograms(
  native: NativeBinding,
  layout: PinLayout,
  requests: readonly AttachRequest[],
  mode: AttachModeOption,
  opts: AttachProgramsOptions = {},
): AttachOutcome[] {
  const attachAll = () =>
    requests.map((req): AttachOutcome => {
      const target = { ifindex: req.ifindex, ifname: req.ifname, hook: req.hook };
      try {
        return { ok: true, ...attachProgram(native, layout, target, req.progFd, mode) };
      } catch (err) {
        return { ok: false, error: new AttachError(target, err) };
      }
    });
  return requests.length > 0 && opts.expediteRcu !== false ? withExpeditedRcu(attachAll) : attachAll();
}

/** Throws for the failures of a batch: the AttachError if there is one, an AggregateError of them all if more. */
export function throwIfAttachFailed(outcomes: readonly AttachOutcome[]): void {
  const errors = outcomes.flatMap((o) => (o.ok ? [] : [o.error]));
  if (errors.length === 1) throw errors[0]!;
  if (errors.length > 1) {
    throw new AggregateError(errors, `${errors.length} of ${outcomes.length} attaches failed: ${errors.map((e) => e.message).join('; ')}`);
  }
}

function attachTcx(native: NativeBinding, layout: PinLayout, target: AttachTarget, progFd: number): AttachResult {
  const path = linkPinPath(layout, target);
  let replaced = false;
  if (existsSync(path)) {
    const linkFd = native.objGet(path);
    try {
      const info = native.linkInfo(linkFd);
      if (info.ifindex === target.ifindex && info.attachType === tcxType(target.hook)) {
        native.linkUpdate(linkFd, progFd);
        replaced = true;
      } else {
        // The interface was recreated (or renamed): the old link is defunct.
        if (info.ifindex !== 0) native.linkDetach(linkFd);
        unlinkSync(path);
      }
    } finally {
      native.close(linkFd);
    }
  }
  if (!replaced) {
    const linkFd = native.tcxAttach(progFd, target.ifindex, tcxType(target.hook));
    try {
      native.objPin(linkFd, path);
    } finally {
      native.close(linkFd);
    }
  }
  // Switching from tc to tcx: the old filter would run the old program a second time.
  removeTcFilter(native, target);
  return { mode: 'tcx', replaced };
}

function attachTc(native: NativeBinding, layout: PinLayout, target: AttachTarget, progFd: number): AttachResult {
  const ingress = target.hook === 'ingress';
  const replaced = native.tcQuery(target.ifindex, ingress, TC_HANDLE, TC_PRIORITY) !== 0;
  native.tcAttach(target.ifindex, ingress, progFd, TC_HANDLE, TC_PRIORITY, true);
  removeTcxLink(native, layout, target);
  return { mode: 'tc', replaced };
}

/** Removes our cls_bpf filter from the hook if the program there is one of ours. */
export function removeTcFilter(native: NativeBinding, target: AttachTarget): boolean {
  const ingress = target.hook === 'ingress';
  const progId = native.tcQuery(target.ifindex, ingress, TC_HANDLE, TC_PRIORITY);
  if (progId === 0 || !isOurProgram(native, progId)) return false;
  return native.tcDetach(target.ifindex, ingress, TC_HANDLE, TC_PRIORITY);
}

export function removeTcxLink(native: NativeBinding, layout: PinLayout, target: AttachTarget): boolean {
  return removeLinkPin(native, linkPinPath(layout, target));
}

/** Detaches the pinned link (so it is gone even if another process holds an fd) and removes the pin. */
export function removeLinkPin(native: NativeBinding, path: string): boolean {
  if (!existsSync(path)) return false;
  const linkFd = native.objGet(path);
  try {
    if (native.linkInfo(linkFd).ifindex !== 0) native.linkDetach(linkFd);
  } finally {
    native.close(linkFd);
  }
  unlinkSync(path);
  return true;
}

export function removeAllLinkPins(native: NativeBinding, layout: PinLayout): string[] {
  if (!existsSync(layout.links)) return [];
  const removed: string[] = [];
  for (const name of readdirSync(layout.links)) {
    if (removeLinkPin(native, join(layout.links, name))) removed.push(name);
  }
  return removed;
}

export function isOurProgram(native: NativeBinding, progId: number): boolean {
  return programName(native, progId).startsWith(PROGRAM_PREFIX);
}

export function programName(native: NativeBinding, progId: number): string {
  const fd = native.progFdById(progId);
  try {
    return native.progInfo(fd).name;
  } finally {
    native.close(fd);
  }
}

export interface AttachedProgram {
  hook: Hook;
  mode: AttachMode;
  progId: number;
  name: string;
}

/** What runs on an interface's tc hooks, ours or not (tcx programs in order, then our cls_bpf filter). */
export function attachedPrograms(native: NativeBinding, ifindex: number): AttachedProgram[] {
  const out: AttachedProgram[] = [];
  for (const hook of ['ingress', 'egress'] as const) {
    for (const progId of native.progQuery(ifindex, tcxType(hook))) {
      out.push({ hook, mode: 'tcx', progId, name: programName(native, progId) });
    }
    const tcId = native.tcQuery(ifindex, hook === 'ingress', TC_HANDLE, TC_PRIORITY);
    if (tcId !== 0) out.push({ hook, mode: 'tc', progId: tcId, name: programName(native, tcId) });
  }
  return out;
}
