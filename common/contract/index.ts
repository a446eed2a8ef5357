export * from './define';
export * from './types';
export * from './channels';
export * from './api';
export * from './settings';
