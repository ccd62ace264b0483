module.exports = {
  ...require('../../jest.preset.cjs'),
  displayName: 'webdataset',
  rootDir: __dirname,
};
