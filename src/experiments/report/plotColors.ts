// The colours of report figures: categorical palettes for series and paths, band fills, reference lines and their labels.

/** Tableau 10, then Tableau 20 when there are more series: both stay distinguishable at their sizes. */
export const TABLEAU10 = ['#4c78a8', '#f58518', '#e45756', '#72b7b2', '#54a24b', '#eeca3b', '#b279a2', '#ff9da6', '#9d755d', '#bab0ac'];
export const TABLEAU20 = [
  '#4c78a8',
  '#9ecae9',
  '#f58518',
  '#ffbf79',
  '#54a24b',
  '#88d27a',
  '#b79a20',
  '#f2cf5b',
  '#439894',
  '#83bcb6',
  '#e45756',
  '#ff9d98',
  '#79706e',
  '#bab0ac',
  '#d67195',
  '#fcbfd2',
  '#b279a2',
  '#d6a5c9',
  '#9e765f',
  '#d8b5a5',
];
/** Paths over viridis: warm and achromatic colours that viridis (blue-green-yellow) does not contain. */
export const PATH_COLORS = ['#e41a1c', '#ffffff', '#ff7f00', '#f781bf', '#000000', '#a65628', '#999999'];
/** Band fills (shown at low opacity) and their label colours, in turn: red, grey, blue. */
export const BAND_COLORS = [
  ['#e45756', '#a02c2c'],
  ['#888888', '#444444'],
  ['#4c78a8', '#2c4a70'],
];
/** Reference lines (rules) and their labels. */
export const RULE_COLOR = '#555555';
export const RULE_TEXT = '#333333';
