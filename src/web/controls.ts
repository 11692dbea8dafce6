// The inputs of a view, built from its parameter table: a slider and a text box per number, a list per choice, an error beside each.
import { Param, VIEWS, ViewName, applies, etaLambda0Of, lrFromEtaLambda0 } from '../explore/params';
import { parseLr } from '../experiments/run/lr';
import { h } from './dom';

/** How a parameter's text maps to its slider: identity for numbers; --lr's `Cx` is η·λ0 = 2C on the slider. */
interface SliderMap {
  toSlider(text: string): number | null;
  fromSlider(x: number): string;
}

const plain: SliderMap = {
  toSlider: (t) => (Number.isFinite(Number(t)) && t.trim() !== '' ? Number(t) : null),
  fromSlider: (x) => String(Number(x.toPrecision(12))),
};

const etaLambda0: SliderMap = {
  toSlider: (t) => {
    try {
      return etaLambda0Of(parseLr(t));
    } catch {
      return null;
    }
  },
  fromSlider: lrFromEtaLambda0,
};

export interface Controls {
  /** Shows each parameter's problem beside its input (and clears the others). */
  showErrors(errors: Readonly<Record<string, string>>): void;
  /** Disables the inputs of parameters that do not apply with these values (the mlp's depth under the warmup model). */
  showApplicable(values: Readonly<Record<string, unknown>>): void;
}

/**
 * Builds the inputs of `view` into `form`; `changed(key, text)` runs on every edit (slider moves and typing alike).
 *
 * @example
 * const c = buildControls(form, 'phases', state.texts, (k, t) => update(k, t));
 */
export function buildControls(
  form: HTMLElement,
  view: ViewName,
  texts: Readonly<Record<string, string>>,
  changed: (key: string, text: string) => void,
): Controls {
  const params = VIEWS[view] as Record<string, Param<unknown>>;
  const errorSpans = new Map<string, HTMLElement>();
  const boxes = new Map<string, HTMLElement>();
  const fields = new Map<string, (HTMLInputElement | HTMLSelectElement)[]>();
  for (const [key, p] of Object.entries(params)) {
    const c = p.control;
    const id = `in-${key}`;
    const err = h('span', { class: 'error', id: `err-${key}`, role: 'alert' });
    errorSpans.set(key, err);
    let input: HTMLElement;
    if (c.choices) {
      const select = h('select', { id, name: key }, ...c.choices.map((v) => h('option', { value: v }, v)));
      select.value = texts[key];
      select.addEventListener('change', () => changed(key, select.value));
      fields.set(key, [select]);
      input = select;
    } else {
      const map = key === 'lr' ? etaLambda0 : plain;
      const text = h('input', { id, name: key, type: 'text', value: texts[key], spellcheck: 'false', size: '9' });
      const parts: HTMLElement[] = [];
      fields.set(key, [text]);
      if (c.slider) {
        const s = c.slider;
        const slider = h('input', { id: `slider-${key}`, type: 'range', min: String(s.min), max: String(s.max), step: String(s.step) });
        const at = map.toSlider(texts[key]);
        if (at !== null) slider.value = String(at);
        slider.addEventListener('input', () => {
          text.value = map.fromSlider(Number(slider.value));
          changed(key, text.value);
        });
        text.addEventListener('input', () => {
          const x = map.toSlider(text.value);
          if (x !== null) slider.value = String(x);
          changed(key, text.value);
        });
        parts.push(slider);
        fields.get(key)!.push(slider);
        if (c.marks) parts.push(marksRow(s, c.marks));
      } else {
        text.addEventListener('input', () => changed(key, text.value));
      }
      input = h('div', { class: 'pair' }, text, ...parts);
    }
    const hint = key === 'lr' ? h('span', { class: 'hint' }, 'η, or Cx = C·2/λ0, as --lr takes it; the slider sets η·λ0 = 2C') : '';
    const row = h('div', { class: 'row' }, h('label', { for: id }, c.label), input, hint, err);
    boxes.set(key, row);
    form.append(row);
  }
  return {
    showErrors(errors) {
      for (const [key, span] of errorSpans) {
        span.textContent = errors[key] ?? '';
        boxes.get(key)!.classList.toggle('bad', errors[key] !== undefined);
      }
    },
    showApplicable(values) {
      for (const [key, p] of Object.entries(params)) {
        const on = applies(p, values);
        boxes.get(key)!.classList.toggle('off', !on);
        for (const f of fields.get(key) ?? []) f.disabled = !on;
      }
    },
  };
}

/** Tick labels under a slider at the given values (e.g. η_crit at η·λ0 = 2). */
function marksRow(s: { min: number; max: number }, marks: readonly { at: number; label: string }[]): HTMLElement {
  const row = h('div', { class: 'marks' });
  for (const m of marks) {
    const left = ((m.at - s.min) / (s.max - s.min)) * 100;
    row.append(h('span', { style: `left: ${left.toFixed(2)}%` }, `${m.label} (${m.at})`));
  }
  return row;
}
