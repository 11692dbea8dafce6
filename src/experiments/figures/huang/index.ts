// Huang, Du, Xu & Liu: deep linear nets under logistic loss, the catapult window by separation of the data.
export { huang } from './figure';
