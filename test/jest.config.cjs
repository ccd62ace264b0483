module.exports = {
  ...require('../jest.preset.cjs'),
  displayName: 'workspace-tests',
  rootDir: __dirname,
};
