import { buildForLab } from '../lab/lab-process.js';
import { parkerLabProblem } from './parker-vm.js';

/** boot.sh --node copies dist/ into the Parker lab's guest. */
export default function setup(): void {
  buildForLab(parkerLabProblem(), 'Parker lab');
}
