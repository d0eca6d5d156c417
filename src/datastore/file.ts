// Cluster state from a YAML/JSON file, or a folder of them (not recursive). The folder holding the
// data is watched rather than the file itself: editors and Kubernetes ConfigMap volumes replace files
// by renaming (a new inode), which a watch on the old file would never see. Every change re-reads
// everything and sends only the difference.
import { watch, type FSWatcher } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { parseResources } from '../model/load.js';
import type { Resource, ResourceError } from '../model/resources.js';
import { StatusTracker } from './status.js';
import type { Datastore, DatastoreListener, DatastoreStatus } from './types.js';
import { diffViews, isEmptyUpdate } from './view-diff.js';

export interface FileDatastoreOptions {
  /** A file, or a folder whose *.yaml, *.yml and *.json files are read (not recursively). */
  path: string;
  /** ms of quiet after the last change event before re-reading: editors write in several steps */
  debounceMs?: number;
  /** ms between attempts while the path is missing or unreadable */
  retryMs?: number;
}

const RESOURCE_FILE = /\.(ya?ml|json)$/i;

/** `<file>#<Kind>/<namespace or ''>/<name>`: stable while the resource stays in the same file. */
export function fileResourceKey(file: string, resource: Resource): string {
  const namespace = 'namespace' in resource.metadata ? (resource.metadata.namespace ?? '') : '';
  return `${file}#${resource.kind}/${namespace}/${resource.metadata.name}`;
}

interface ParsedFile {
  text: string;
  entries: [string, Resource][];
}

interface Read {
  files: Map<string, ParsedFile>;
  view: Map<string, Resource>;
  /** errors of files that are new or whose text changed since the last read: reported once per edit */
  newErrors: ResourceError[];
}

export class FileDatastore implements Datastore {
  readonly type = 'file' as const;
  private readonly path: string;
  private readonly debounceMs: number;
  private readonly retryMs: number;
  private listener: DatastoreListener | undefined;
  private readonly tracker = new StatusTracker((status) => this.listener?.onStatus(status));
  private isFolder = false;
  private files = new Map<string, ParsedFile>();
  private view = new Map<string, Resource>();
  private watcher: FSWatcher | undefined;
  private watchedInode: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private refreshing: Promise<void> | undefined;
  private refreshAgain = false;
  private stopped = false;

  constructor(options: FileDatastoreOptions) {
    this.path = options.path;
    this.debounceMs = options.debounceMs ?? 100;
    this.retryMs = options.retryMs ?? 500;
  }

  status(): DatastoreStatus {
    return this.tracker.get();
  }

  async start(listener: DatastoreListener): Promise<void> {
    if (this.listener) throw new Error('file datastore: start() was already called');
    this.listener = listener;
    let info;
    try {
      info = await stat(this.path);
    } catch (err) {
      throw new Error(`file datastore: cannot read ${this.path}: ${describeIoError(err)}`, { cause: err });
    }
    this.isFolder = info.isDirectory();
    await this.ensureWatcher(); // before the read, so a change made during the read is not missed
    let read: Read;
    try {
      read = await this.readAll();
    } catch (err) {
      this.closeWatcher();
      throw new Error(`file datastore: cannot read ${this.path}: ${describeIoError(err)}`, { cause: err });
    }
    if (this.stopped) return;
    this.files = read.files;
    this.view = read.view;
    for (const error of read.newErrors) listener.onInvalid(error);
    listener.onSnapshot(new Map(this.view));
    this.tracker.synced();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.closeWatcher();
    await this.refreshing;
  }

  /** The folder whose events matter: the data folder itself, or the folder holding the file. */
  private get watchedDir(): string {
    return this.isFolder ? this.path : dirname(this.path);
  }

  private async readAll(): Promise<Read> {
    const names = this.isFolder ? await this.listFolder() : [this.path];
    const texts = await Promise.all(names.map((file) => this.readOne(file)));
    const read: Read = { files: new Map(), view: new Map(), newErrors: [] };
    names.forEach((file, i) => {
      const text = texts[i];
      if (text === undefined) return; // gone between readdir and read, or not a regular file
      let parsed = this.files.get(file);
      if (parsed?.text !== text) {
        const result = parseResources(text, file);
        read.newErrors.push(...result.errors);
        parsed = { text, entries: result.resources.map((r) => [fileResourceKey(file, r), r]) };
      }
      read.files.set(file, parsed);
      // Within a file a later document with the same kind/namespace/name wins, as `calicoctl apply` does.
      for (const [key, resource] of parsed.entries) read.view.set(key, resource);
    });
    return read;
  }

  private async listFolder(): Promise<string[]> {
    const entries = await readdir(this.path, { withFileTypes: true });
    return entries
      // Dot files are editor swap/lock files (and ConfigMap's ..data links, whose targets we read anyway).
      .filter((e) => !e.name.startsWith('.') && RESOURCE_FILE.test(e.name) && (e.isFile() || e.isSymbolicLink()))
      .map((e) => join(this.path, e.name))
      .sort();
  }

  /** In a folder, a file that vanished or is a directory is simply not part of the data. */
  private async readOne(file: string): Promise<string | undefined> {
    try {
      return await readFile(file, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (this.isFolder && (code === 'ENOENT' || code === 'EISDIR')) return undefined;
      throw err;
    }
  }

  private scheduleRefresh(delayMs: number): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.runRefresh(), delayMs);
    this.timer.unref();
  }

  /** One refresh at a time; events during a refresh cause exactly one more. */
  private runRefresh(): void {
    if (this.stopped) return;
    if (this.refreshing) {
      this.refreshAgain = true;
      return;
    }
    this.refreshing = this.refresh().finally(() => {
      this.refreshing = undefined;
      if (this.refreshAgain) {
        this.refreshAgain = false;
        this.runRefresh();
      }
    });
  }

  private async refresh(): Promise<void> {
    await this.ensureWatcher(); // watch first, read second: nothing falls between the two
    let read: Read;
    try {
      read = await this.readAll();
    } catch {
      // Missing or unreadable: keep the last view (the daemon keeps forwarding) and poll until it is back.
      // Polling also covers a folder that was removed: its watch died with it.
      if (this.stopped) return;
      this.tracker.setState('disconnected');
      this.scheduleRefresh(this.retryMs);
      return;
    }
    if (this.stopped) return;
    const update = diffViews(this.view, read.view);
    this.files = read.files;
    this.view = read.view;
    const listener = this.listener!;
    for (const error of read.newErrors) listener.onInvalid(error);
    if (!isEmptyUpdate(update)) listener.onUpdate(update);
    this.tracker.synced();
  }

  /** (Re)creates the watch when there is none or the folder was replaced (a new inode). */
  private async ensureWatcher(): Promise<void> {
    let inode: string;
    try {
      const info = await stat(this.watchedDir);
      inode = `${info.dev}:${info.ino}`;
    } catch {
      this.closeWatcher(); // the folder is gone; the read fails too and polls until it is back
      return;
    }
    if (this.stopped || (this.watcher && inode === this.watchedInode)) return;
    this.closeWatcher();
    try {
      // Any event in the folder triggers a re-read, even for a single file: a ConfigMap update swaps the
      // `..data` link, not the file. Re-reading an unchanged file costs a read and a compare.
      this.watcher = watch(this.watchedDir, { persistent: false }, () => this.scheduleRefresh(this.debounceMs));
    } catch {
      this.scheduleRefresh(this.retryMs);
      return;
    }
    this.watchedInode = inode;
    this.watcher.on('error', () => {
      this.closeWatcher();
      this.scheduleRefresh(this.retryMs);
    });
  }

  private closeWatcher(): void {
    this.watcher?.close();
    this.watcher = undefined;
    this.watchedInode = undefined;
  }
}

function describeIoError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file or folder';
  if (code === 'EACCES') return 'permission denied';
  return (err as Error).message;
}
