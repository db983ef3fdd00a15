/**
 * `POST /v4/logs`: the cross-field rules of HUMANLOOP_V4.md, and storing an
 * accepted batch. All or nothing: one bad log refuses the whole request.
 *
 * Issue types (loc ends with the field named):
 * - `missing`: no `project`/`project_id` (loc `project`); no `config`/`config_id`/`trial_id` (loc `config`)
 * - `value_error`: both `session_id` and `session_reference_id` (loc `session_reference_id`); both
 *   `parent_id` and `parent_reference_id` (loc `parent_reference_id`); `project` and `project_id` naming different projects
 * - `not_found`: unknown `project_id`, `session_id` or `parent_id`
 * - `parent_not_found`: a `parent_reference_id` no earlier request logged
 * - `parent_in_same_request`: a `parent_reference_id` logged in the same request
 * - `ambiguous_reference`: a `parent_reference_id` used in several other projects
 * - `duplicate_reference_id`: a `reference_id` already used in the project (earlier, or earlier in the request)
 */
import { checkObject, isRecord } from "./checks.js";
import { logRequest } from "./schemas.js";
import type { HumanloopStore, SessionHead, StoredProject } from "./store.js";
import { newId } from "./store.js";
import type { ReferencedLog } from "./store-refs.js";
import type { Loc, StoredLog, ValidationIssue } from "./types.js";

/** The outcome of a `POST /v4/logs` body. */
export interface LogBatchOutcome {
  status: 200 | 422;
  /** The answer body: created logs (object or array), or `{ detail }`. */
  body: unknown;
  /** How many logs were refused as duplicate reference ids. */
  duplicates: number;
  /** How many logs the request carried. */
  size: number;
}

type Item = Record<string, unknown>;

/** A field's value, with `null` read as absent. */
function get(item: Item, key: string): string | undefined {
  const value = item[key];
  return value === null || value === undefined ? undefined : (value as string);
}

function shapeIssues(items: unknown[], prefix: (i: number) => Loc): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  items.forEach((item, i) => checkObject(item, prefix(i), issues, logRequest));
  return issues;
}

/**
 * The store's lookups for one request, remembered for the request's length
 * (a batch's logs mostly share a project and a session; the request runs in
 * its own savepoint, so what was read stays true until it ends).
 */
class RequestLookups {
  private readonly projectsByName = new Map<string, StoredProject | undefined>();
  private readonly projectsById = new Map<string, StoredProject | undefined>();
  private readonly sessionsByRef = new Map<string, SessionHead>();
  /** The parent found for each item with a `parent_reference_id` while checking it. */
  readonly parents = new Map<Item, string>();

  readonly store: HumanloopStore;

  constructor(store: HumanloopStore) {
    this.store = store;
  }

  projectByName(name: string): StoredProject | undefined {
    if (!this.projectsByName.has(name)) this.projectsByName.set(name, this.store.projectByName(name));
    return this.projectsByName.get(name);
  }

  projectById(id: string): StoredProject | undefined {
    if (!this.projectsById.has(id)) this.projectsById.set(id, this.store.projectById(id));
    return this.projectsById.get(id);
  }

  ensureProject(name: string): StoredProject {
    let project = this.projectByName(name);
    if (!project) {
      project = this.store.ensureProject(name);
      this.projectsByName.set(name, project);
    }
    return project;
  }

  /** The session made for reference `ref`, made now when new. */
  sessionForRef(ref: string): SessionHead {
    let session = this.sessionsByRef.get(ref);
    if (!session) {
      session = this.store.sessionHeadByRef(ref) ?? this.store.createSession(ref);
      this.sessionsByRef.set(ref, session);
    }
    return session;
  }
}

/** The project key used for reference uniqueness: the id, or the name of a project not made yet. */
function projectKey(lookups: RequestLookups, item: Item): string | undefined {
  const id = get(item, "project_id");
  if (id !== undefined) return lookups.projectById(id)?.id;
  const name = get(item, "project");
  if (name === undefined) return undefined;
  return lookups.projectByName(name)?.id ?? `new:${name}`;
}

function ruleIssues(lookups: RequestLookups, items: Item[], prefix: (i: number) => Loc): { issues: ValidationIssue[]; duplicates: number } {
  const store = lookups.store;
  const issues: ValidationIssue[] = [];
  let duplicates = 0;
  const seenRefs = new Set<string>();
  const requestRefs = new Set(items.map((item) => get(item, "reference_id")).filter((r) => r !== undefined));
  // Every stored log the request's references and parent references name, in one query.
  const stored = store.logsByReferences([...requestRefs, ...items.map((item) => get(item, "parent_reference_id")).filter((r) => r !== undefined)]);
  items.forEach((item, i) => {
    const at = (field: string, type: string, msg: string) => issues.push({ loc: [...prefix(i), field], msg, type });
    const projectId = get(item, "project_id");
    const projectName = get(item, "project");
    if (projectId === undefined && projectName === undefined) at("project", "missing", "Either project or project_id is required");
    if (projectId !== undefined) {
      const project = lookups.projectById(projectId);
      if (!project) at("project_id", "not_found", `Project ${projectId} not found`);
      else if (projectName !== undefined && project.name !== projectName) {
        at("project", "value_error", "project and project_id name different projects");
      }
    }
    const sessionId = get(item, "session_id");
    if (sessionId !== undefined && get(item, "session_reference_id") !== undefined) {
      at("session_reference_id", "value_error", "session_id and session_reference_id are mutually exclusive");
    } else if (sessionId !== undefined && !store.sessionHead(sessionId)) {
      at("session_id", "not_found", `Session ${sessionId} not found`);
    }
    const parentId = get(item, "parent_id");
    const parentRef = get(item, "parent_reference_id");
    if (parentId !== undefined && parentRef !== undefined) {
      at("parent_reference_id", "value_error", "parent_id and parent_reference_id are mutually exclusive");
    } else if (parentId !== undefined && !store.logById(parentId)) {
      at("parent_id", "not_found", `Log ${parentId} not found`);
    } else if (parentRef !== undefined) {
      const found = findParent(stored.get(parentRef) ?? [], projectKey(lookups, item));
      if (found !== undefined && found !== "ambiguous") lookups.parents.set(item, found);
      if (found === "ambiguous") at("parent_reference_id", "ambiguous_reference", `reference_id ${parentRef} is used in several projects`);
      else if (!found && requestRefs.has(parentRef)) {
        at("parent_reference_id", "parent_in_same_request", "parent_reference_id cannot refer to a log in the same request");
      } else if (!found) at("parent_reference_id", "parent_not_found", `No log with reference_id ${parentRef}`);
    }
    if (get(item, "config") === undefined && get(item, "config_id") === undefined && get(item, "trial_id") === undefined) {
      at("config", "missing", "config is required unless config_id or trial_id is given");
    }
    const ref = get(item, "reference_id");
    const key = ref !== undefined ? projectKey(lookups, item) : undefined;
    if (ref !== undefined && key !== undefined) {
      const known = !key.startsWith("new:") && (stored.get(ref) ?? []).some((log) => log.project_id === key);
      if (known || seenRefs.has(`${key}\0${ref}`)) {
        duplicates += 1;
        at("reference_id", "duplicate_reference_id", `reference_id ${ref} is already used in this project`);
      }
      seenRefs.add(`${key}\0${ref}`);
    }
  });
  return { issues, duplicates };
}

/** The id of the parent among `candidates` (the stored logs with the parent reference, oldest first): in the child's project first, else the only one anywhere. */
function findParent(candidates: ReferencedLog[], key: string | undefined): string | "ambiguous" | undefined {
  const inProject = key !== undefined && !key.startsWith("new:") ? candidates.find((log) => log.project_id === key) : undefined;
  if (inProject !== undefined) return inProject.id;
  if (candidates.length > 1) return "ambiguous";
  return candidates[0]?.id;
}

/** Fields the server sets itself on a stored log. */
const RESOLVED_FIELDS = new Set(["id", "project", "project_id", "session_id", "session_reference_id", "parent_id", "updates", "received_at"]);

/** The stored log of an accepted item (its ids resolved, sessions made), not stored yet; `receivedAt` is the request's time. */
function logOf(lookups: RequestLookups, item: Item, receivedAt: string): StoredLog {
  const store = lookups.store;
  const projectId = get(item, "project_id");
  const project = projectId !== undefined ? lookups.projectById(projectId)! : lookups.ensureProject(get(item, "project")!);
  const sessionId = get(item, "session_id");
  const sessionRef = get(item, "session_reference_id");
  const session = sessionId !== undefined ? store.sessionHead(sessionId) : sessionRef !== undefined ? lookups.sessionForRef(sessionRef) : undefined;
  // Found while checking the rules: the request's own logs cannot be parents, so nothing stored since changes it.
  const parent = lookups.parents.get(item);
  const log: StoredLog = { id: newId("data"), project: project.name, project_id: project.id, updates: [], received_at: receivedAt };
  for (const key in item) {
    if (item[key] !== null && item[key] !== undefined && !RESOLVED_FIELDS.has(key)) log[key] = item[key];
  }
  if (session) {
    log.session_id = session.id;
    if (session.reference_id !== undefined) log.session_reference_id = session.reference_id;
  }
  const parentId = get(item, "parent_id") ?? parent;
  if (parentId !== undefined) log.parent_id = parentId;
  return log;
}

/** Validates a `POST /v4/logs` body and, when every log is valid, stores them all. */
export function acceptLogs(store: HumanloopStore, body: unknown): LogBatchOutcome {
  const batch = Array.isArray(body);
  const items: unknown[] = batch ? body : [body];
  const prefix = (i: number): Loc => (batch ? ["body", i] : ["body"]);
  const shape = shapeIssues(items, prefix);
  if (shape.length > 0) return { status: 422, body: { detail: shape }, duplicates: 0, size: items.length };
  const records = items.filter(isRecord);
  const lookups = new RequestLookups(store);
  const { issues, duplicates } = ruleIssues(lookups, records, prefix);
  if (issues.length > 0) return { status: 422, body: { detail: issues }, duplicates, size: items.length };
  const receivedAt = new Date().toISOString();
  const logs = records.map((item) => logOf(lookups, item, receivedAt));
  store.addLogs(logs);
  const created = logs.map((log) => (log.session_id !== undefined ? { id: log.id, project_id: log.project_id, session_id: log.session_id } : { id: log.id, project_id: log.project_id }));
  return { status: 200, body: batch ? created : created[0], duplicates: 0, size: items.length };
}
