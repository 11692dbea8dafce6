// Markdown reports: the paper's prediction beside the measured value, with a verdict, plus tables and plots.

/** One prediction checked against a measurement. */
export interface Check {
  /** What is compared, e.g. "λ at t·η = 25, lazy phase". */
  quantity: string;
  /** The paper's prediction, as text. */
  paper: string;
  /** What this run measured, as text. */
  measured: string;
  /** Whether the measurement agrees within the stated tolerance. */
  pass: boolean;
}

/** Builds one report.md; sections are appended in order. */
export class Report {
  private readonly parts: string[] = [];
  readonly checks: Check[] = [];

  constructor(readonly title: string) {}

  text(markdown: string): this {
    this.parts.push(markdown.trim());
    return this;
  }

  heading(title: string): this {
    this.parts.push(`## ${title}`);
    return this;
  }

  table(head: readonly string[], rows: readonly (readonly (string | number)[])[]): this {
    const cell = (v: string | number) => escapeCell(typeof v === 'number' ? fmt(v) : v);
    this.parts.push(
      [
        `| ${head.map(cell).join(' | ')} |`,
        `|${head.map(() => '---').join('|')}|`,
        ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`),
      ].join('\n'),
    );
    return this;
  }

  /** An image link to a plot file in the same directory (SVG, with the PNG beside it when one was made). */
  plot(svgFile: string, caption: string, pngFile: string | null = null): this {
    const png = pngFile ? ` ([PNG](${pngFile}))` : '';
    this.parts.push(`![${caption}](${svgFile})\n\n*${caption}*${png}`);
    return this;
  }

  check(c: Check): this {
    this.checks.push(c);
    return this;
  }

  /** The whole report; the checks table comes first, since it is what a reader looks for. */
  toMarkdown(): string {
    const verdicts =
      this.checks.length === 0
        ? []
        : [
            '## Paper vs measured',
            [
              '| quantity | paper | measured | verdict |',
              '|---|---|---|---|',
              ...this.checks.map(
                (c) => `| ${[c.quantity, c.paper, c.measured].map(escapeCell).join(' | ')} | ${c.pass ? 'agrees' : '**departs**'} |`,
              ),
            ].join('\n'),
          ];
    return [`# ${this.title}`, ...verdicts, ...this.parts].join('\n\n') + '\n';
  }
}

/** Text that is safe inside a markdown table cell. */
function escapeCell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** A number for prose and tables: 4 significant digits, exponent form when very large or small. */
export function fmt(x: number, digits = 4): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a >= 1e5 || a < 1e-3) return x.toExponential(digits - 1);
  return Number(x.toPrecision(digits)).toString();
}
