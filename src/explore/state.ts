// The explorer's state as a URL query (`?view=phases&width=1000&lr=1.5x`): parsed per parameter, each error kept beside its parameter.
import { Param, VIEWS, VIEW_NAMES, ViewName, ViewValues, crossCheck, formatValue } from './params';

/** A view's parameters as parsed from a URL: values (the default where a text is bad), texts as given, and errors by parameter. */
export interface ViewState<V extends ViewName = ViewName> {
  view: V;
  values: ViewValues<V>;
  /** Each parameter's text: as the URL gave it, else its default as the URL would write it. */
  texts: Record<string, string>;
  /** One-line problems by parameter; `_` holds those of the URL as a whole (an unknown view or parameter). */
  errors: Record<string, string>;
}

/** The default of a declaration (these all have plain defaults). */
function defaultOf(p: Param<unknown>): unknown {
  return p.decl.default;
}

/**
 * Parses a query string into the state of its view (`phases` when it names none); never throws.
 *
 * @example
 * parseState('?view=phases&width=-3').errors.width; // "--width must be an integer in [1, 20000], got '-3'"
 */
export function parseState(search: string): ViewState {
  const q = new URLSearchParams(search);
  const errors: Record<string, string> = {};
  const asked = q.get('view') ?? 'phases';
  const view: ViewName = (VIEW_NAMES as string[]).includes(asked) ? (asked as ViewName) : 'phases';
  if (view !== asked) errors._ = `unknown view '${asked}' (choose ${VIEW_NAMES.join(', ')})`;
  const params = VIEWS[view] as Record<string, Param<unknown>>;
  const values: Record<string, unknown> = {},
    texts: Record<string, string> = {};
  for (const [key, p] of Object.entries(params)) {
    const given = q.get(p.decl.flag);
    texts[key] = given ?? formatValue(defaultOf(p));
    values[key] = defaultOf(p);
    if (given === null) continue;
    try {
      values[key] = p.decl.parse(given);
    } catch (e) {
      errors[key] = e instanceof Error ? e.message : String(e);
    }
  }
  const flags = new Set(Object.values(params).map((p) => p.decl.flag));
  const unknown = [...q.keys()].filter((k) => k !== 'view' && !flags.has(k));
  if (unknown.length > 0 && errors._ === undefined)
    errors._ = `the ${view} view does not use ${unknown.map((k) => `'${k}'`).join(', ')} (it takes ${[...flags].join(', ')})`;
  const cross = crossCheck(view, values);
  if (cross && errors[cross[0]] === undefined) errors[cross[0]] = cross[1];
  return { view, values: values as ViewValues<typeof view>, texts, errors };
}

/** True when the state has no errors (the view can run). */
export function runnable(s: ViewState): boolean {
  return Object.keys(s.errors).length === 0;
}

/**
 * The query string of a view with these parameter texts (every parameter written, so a shared URL does not depend on defaults).
 *
 * @example
 * stateQuery('phases', { model: 'warmup', width: '1000' }); // '?view=phases&model=warmup&width=1000'
 */
export function stateQuery(view: ViewName, texts: Readonly<Record<string, string>>): string {
  const params = VIEWS[view] as Record<string, Param<unknown>>;
  const q = new URLSearchParams({ view });
  for (const [key, p] of Object.entries(params)) if (texts[key] !== undefined) q.set(p.decl.flag, texts[key]);
  return `?${q.toString().replace(/%2C/gi, ',')}`; // commas are fine in a query, and easier to read
}

/**
 * The query of view `to` that keeps what the current state changed from its defaults and shares with it (same flag,
 * valid there): switching tabs keeps a width, seed, η or steps the user set. A default is not carried: it is this
 * view's choice, not the user's (the phases view's depth 1 and 200 steps would put the eos view's run far below the edge).
 *
 * @example
 * carriedQuery(parseState('?view=phases&width=300&model=mlp&seed=0'), 'surface'); // '?view=surface&width=300'
 */
export function carriedQuery(from: ViewState, to: ViewName): string {
  const here = VIEWS[from.view] as Record<string, Param<unknown>>;
  const there = VIEWS[to] as Record<string, Param<unknown>>;
  const texts: Record<string, string> = {};
  for (const [key, p] of Object.entries(there)) {
    const mine = Object.entries(here).find(([, q]) => q.decl.flag === p.decl.flag);
    if (mine === undefined || from.errors[mine[0]] !== undefined) continue;
    const value = (from.values as Record<string, unknown>)[mine[0]];
    if (formatValue(value) === formatValue(defaultOf(mine[1]))) continue;
    try {
      p.decl.parse(from.texts[mine[0]]); // within the other view's bounds too
      texts[key] = from.texts[mine[0]];
    } catch {
      // out of the other view's range: it takes its own default
    }
  }
  return stateQuery(to, texts);
}
