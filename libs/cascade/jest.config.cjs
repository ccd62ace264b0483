module.exports = {
  ...require('../../jest.preset.cjs'),
  displayName: 'cascade',
  rootDir: __dirname,
};
