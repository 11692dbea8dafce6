// Lewkowycz et al. (2020), the catapult paper: its linear-model, nonlinear-network and convolutional figures.
export { fig2 } from './linear/fig2';
export { figS1 } from './linear/figS1';
export { full } from './linear/full';
export { figS12 } from './linear/figS12';
export { boundaries } from './linear/boundaries';
export { logn } from './linear/logn';
export { figS7 } from './nonlinear/figS7';
export { figS8 } from './nonlinear/figS8';
export { figS10 } from './nonlinear/figS10';
export { fig3 } from './nonlinear/fig3';
export { fig4, fig4f0, fig6 } from './nonlinear/fig4';
export { figS13c } from './nonlinear/figS13c';
export { fig1b, fig5ab, fig5cd } from './convolutional/fig5';
export { fig3wrn, figS11 } from './convolutional/fig3wrn';
