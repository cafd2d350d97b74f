/**
 * Which machine a command or request names: exactly one of these, or none for the default
 * (this computer when it runs a Parker kernel, otherwise the simulated server).
 */
export interface MachineChoice {
  machine?: string;
  root?: string;
  synthetic?: string;
  from?: string;
  stateDir?: string;
}
