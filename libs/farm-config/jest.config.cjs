module.exports = {
  ...require('../../jest.preset.cjs'),
  displayName: 'farm-config',
  rootDir: __dirname,
};
