// The lab tests' import path for caught(), which lives with the unit tests' helpers.
export { caught } from '../../../main/common/testing/caught.js';
