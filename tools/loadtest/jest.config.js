module.exports = { ...require('../../jest.preset.js'), displayName: 'loadtest', rootDir: __dirname };
