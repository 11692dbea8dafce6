// Catapults in the neural quadratic model and in SGD: Zhu, Liu, Radhakrishnan, Belkin (ICLR 2024, ICML 2024).
export { nqm } from './nqmFigure';
export { sgdCatapults } from './sgdFigure';
