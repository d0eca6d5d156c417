/**
 * Workload interfaces follow netlink link events: a new cali* gets the workload programs at once
 * (no polling), a deleted one is forgotten (its defunct tcx link pins and ifstate entry removed).
 */
import type { LinkEvent, NativeBinding } from '../native/binding.js';
import { IfFlags } from '../dataplane/abi.js';
import { removeTcxLink, type AttachModeOption } from '../dataplane/attach.js';
import { pinLayout } from '../dataplane/bpffs.js';
import { isWorkloadInterface, listInterfaces } from '../dataplane/interfaces.js';
import { attachWorkload } from '../dataplane/node.js';
import type { NodeMaps } from '../dataplane/pinned-maps.js';
import type { Logger } from './log.js';

export interface LinkChanges {
  attached: string[];
  forgotten: string[];
}

export class WorkloadLinks {
  constructor(
    private readonly native: NativeBinding,
    private readonly pinDir: string,
    private readonly attachMode: AttachModeOption,
    private readonly expediteRcu: boolean,
    private readonly maps: NodeMaps,
    private readonly log: Logger,
  ) {}

  /** Applies one batch of events; returns what changed (empty when the events were not about workloads). */
  onEvents(events: readonly LinkEvent[]): LinkChanges {
    const changes: LinkChanges = { attached: [], forgotten: [] };
    for (const ev of events) {
      const known = this.maps.ifstate.lookup(ev.ifindex);
      const workload = known !== undefined && (known.flags & IfFlags.Workload) !== 0;
      // Deleted, or renamed away from the name we attached under.
      if (workload && (ev.type === 'del' || known.name !== ev.name)) this.forget(ev.ifindex, known.name, changes);
      if (ev.type === 'new' && isWorkloadInterface(ev.name) && this.maps.ifstate.lookup(ev.ifindex)?.name !== ev.name) {
        this.attach(ev.name, changes);
      }
    }
    return changes;
  }

  /** After lost events: attach every cali* we are not on, forget every workload interface that is gone. */
  resync(): LinkChanges {
    const changes: LinkChanges = { attached: [], forgotten: [] };
    for (const [ifindex, state] of this.maps.ifstate.entries()) {
      if ((state.flags & IfFlags.Workload) !== 0 && this.native.ifIndexToName(ifindex) !== state.name) this.forget(ifindex, state.name, changes);
    }
    for (const iface of listInterfaces(this.native)) {
      if (isWorkloadInterface(iface.name) && this.maps.ifstate.lookup(iface.ifindex)?.name !== iface.name) this.attach(iface.name, changes);
    }
    return changes;
  }

  private attach(ifname: string, changes: LinkChanges): void {
    try {
      const res = attachWorkload(this.native, this.pinDir, ifname, this.attachMode, { expediteRcu: this.expediteRcu });
      changes.attached.push(ifname);
      this.log.info('workload interface attached', { ifname, ifindex: res[0]?.ifindex, mode: res[0]?.mode });
    } catch (err) {
      // Gone again already (a short-lived veth), or moved to another netns: the next event says so.
      this.log.warn('cannot attach to workload interface', { ifname, error: err });
    }
  }

  private forget(ifindex: number, ifname: string, changes: LinkChanges): void {
    const layout = pinLayout(this.pinDir);
    for (const hook of ['ingress', 'egress'] as const) removeTcxLink(this.native, layout, { ifindex, ifname, hook });
    this.maps.ifstate.delete(ifindex);
    changes.forgotten.push(ifname);
    this.log.info('workload interface gone', { ifname, ifindex });
  }
}
