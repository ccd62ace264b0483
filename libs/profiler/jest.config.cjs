module.exports = {
  ...require('../../jest.preset.cjs'),
  displayName: 'profiler',
  rootDir: __dirname,
};
