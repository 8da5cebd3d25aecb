'use strict';
/** `npm start`: prepare the checkout if needed, then run the service in this process. */
const { ensureBuild, ensureDependencies } = require('./prepare');

ensureDependencies();
ensureBuild();
require('../dist/src/main.js');
