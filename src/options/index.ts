// Options declared once (flag, type, default, check, saved name): the schema builder behind the CLI, training, sweeps, golden files and the explorer.
export * from './optionKit';
export * from './inputError';
