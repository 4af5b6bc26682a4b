import { ReproError } from '@reproml/core';

/** The loss or the weights stopped being finite numbers (or blew up): nothing is written. */
export class TrainingDivergedError extends ReproError {
  override name = 'TrainingDivergedError';
  override readonly code = 'TRAINING_DIVERGED';
  constructor(
    readonly epoch: number,
    message: string,
    options: ConstructorParameters<typeof ReproError>[1] = {},
  ) {
    super(message, options);
  }
}
