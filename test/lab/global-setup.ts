import { buildForLab } from './lab-process.js';
import { labProblem } from './vm.js';

/** The stock-kernel lab's guest runs bin/parker.js from the shared project directory. */
export default function setup(): void {
  buildForLab(labProblem(), 'lab');
}
