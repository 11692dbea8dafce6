// The engine version written into every result file (from package.json).
// eslint-disable-next-line @typescript-eslint/no-var-requires
export const VERSION: string = `catapult ${require('../../../../package.json').version}`;
