import { z } from 'zod';
import { columnKindSchema } from './column-kinds';

export const columnSchemaSchema = z
  .object({
    type: columnKindSchema.meta({ description: 'number (every present value parses as a number) or string.' }),
    nullable: z.boolean().default(false).meta({ description: 'Whether missing values are allowed. Default: false.' }),
    allowed: z
      .array(z.union([z.string(), z.number()]))
      .min(1)
      .optional()
      .meta({ description: 'The only values allowed (missing values are governed by "nullable"). Default: any.' }),
    min: z.number().optional().meta({ description: 'Smallest allowed number (inclusive). Default: none.' }),
    max: z.number().optional().meta({ description: 'Largest allowed number (inclusive). Default: none.' }),
    description: z.string().optional().meta({ description: 'What the column holds (documentation only).' }),
  })
  .strict();
export type ColumnSchema = z.infer<typeof columnSchemaSchema>;

export const tableSchemaSchema = z
  .object({
    columns: z.record(z.string().min(1), columnSchemaSchema).meta({ description: 'The expected columns by name; each must be present in the file.' }),
    extraColumns: z
      .enum(['allow', 'warn', 'error'])
      .default('warn')
      .meta({ description: 'What to do with columns the schema does not declare: ignore, report (default), or fail.' }),
  })
  .strict();
export type TableSchema = z.infer<typeof tableSchemaSchema>;
