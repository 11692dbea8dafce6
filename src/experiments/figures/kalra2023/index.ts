// The early-training phase diagram in depth and width: Kalra & Barkeshli (NeurIPS 2023).
export { phaseDiagram } from './figure';
