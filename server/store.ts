/**
 * The local server's memory: projects, sessions, logs and feedback, with
 * the indexes the v4 rules need (project by name, session by reference,
 * log by reference within a project).
 */
import { randomUUID } from "node:crypto";
import type { LogUpdate, StoredFeedback, StoredLog, StoredSession } from "./types.js";

/** A project, made on first use of its name. */
export interface StoredProject {
  id: string;
  name: string;
}

/** A new server id with `prefix`, e.g. `data_3f9c...`. */
export function newId(prefix: string): string {
  return `${prefix}_${randomUUID().replaceAll("-", "").slice(0, 24)}`;
}

/** Everything the server has accepted. */
export class HumanloopStore {
  private readonly projectsByName = new Map<string, StoredProject>();
  private readonly projectsById = new Map<string, StoredProject>();
  private readonly sessionsById = new Map<string, StoredSession>();
  private readonly sessionsByRef = new Map<string, StoredSession>();
  private readonly logsById = new Map<string, StoredLog>();
  /** reference_id -> ids of the logs using it (one per project at most). */
  private readonly logsByRef = new Map<string, string[]>();
  private readonly feedbackItems: StoredFeedback[] = [];

  /** Forgets everything. */
  clear(): void {
    this.projectsByName.clear();
    this.projectsById.clear();
    this.sessionsById.clear();
    this.sessionsByRef.clear();
    this.logsById.clear();
    this.logsByRef.clear();
    this.feedbackItems.length = 0;
  }

  /** The project named `name`, or undefined. */
  projectByName(name: string): StoredProject | undefined {
    return this.projectsByName.get(name);
  }

  /** The project with server id `id`, or undefined. */
  projectById(id: string): StoredProject | undefined {
    return this.projectsById.get(id);
  }

  /** The project named `name`, created when new. */
  ensureProject(name: string): StoredProject {
    let project = this.projectsByName.get(name);
    if (!project) {
      project = { id: newId("pr"), name };
      this.projectsByName.set(name, project);
      this.projectsById.set(project.id, project);
    }
    return project;
  }

  /** The session with server id `id`, or undefined. */
  sessionById(id: string): StoredSession | undefined {
    return this.sessionsById.get(id);
  }

  /** The session made for reference `ref`, or undefined. */
  sessionByRef(ref: string): StoredSession | undefined {
    return this.sessionsByRef.get(ref);
  }

  /** A new session, with reference `ref` when given. */
  createSession(ref?: string): StoredSession {
    const session: StoredSession = { id: newId("sesh"), log_ids: [] };
    if (ref !== undefined) {
      session.reference_id = ref;
      this.sessionsByRef.set(ref, session);
    }
    this.sessionsById.set(session.id, session);
    return session;
  }

  /** Every session, oldest first. */
  allSessions(): StoredSession[] {
    return [...this.sessionsById.values()];
  }

  /** The log with server id `id`, or undefined. */
  logById(id: string): StoredLog | undefined {
    return this.logsById.get(id);
  }

  /** The logs that used `ref` as their reference_id, one per project. */
  logsByReference(ref: string): StoredLog[] {
    return (this.logsByRef.get(ref) ?? []).map((id) => this.logsById.get(id)!);
  }

  /** The log with reference `ref` in project `projectId`, or undefined. */
  logByReferenceIn(ref: string, projectId: string): StoredLog | undefined {
    return this.logsByReference(ref).find((log) => log.project_id === projectId);
  }

  /** How many logs are stored. */
  get logCount(): number {
    return this.logsById.size;
  }

  /** Every log, in the order stored. */
  allLogs(): StoredLog[] {
    return [...this.logsById.values()];
  }

  /** Stores an accepted log (its ids already resolved). */
  addLog(log: StoredLog): void {
    this.logsById.set(log.id, log);
    if (log.reference_id !== undefined) {
      const ids = this.logsByRef.get(log.reference_id) ?? [];
      ids.push(log.id);
      this.logsByRef.set(log.reference_id, ids);
    }
    if (log.session_id !== undefined) this.sessionsById.get(log.session_id)?.log_ids.push(log.id);
  }

  /** Applies a PATCH to `log`, keeping the update in its history. */
  updateLog(log: StoredLog, update: Omit<LogUpdate, "applied_at">): void {
    const applied: LogUpdate = { ...update, applied_at: new Date().toISOString() };
    for (const key of ["output", "error", "duration"] as const) {
      if (update[key] !== undefined) log[key] = update[key];
    }
    log.updates.push(applied);
  }

  /** Stores accepted feedback. */
  addFeedback(items: StoredFeedback[]): void {
    this.feedbackItems.push(...items);
  }

  /** Every feedback item, in the order stored. */
  allFeedback(): StoredFeedback[] {
    return [...this.feedbackItems];
  }
}
