import {
  createBranch,
  datasetInfo,
  deleteBranch,
  downloadFile,
  fileDownloadInfo,
  listCommits,
  listFiles,
  modelInfo,
  pathsInfo,
  whoAmI,
} from '@huggingface/hub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HubServer, startHubServer } from '../../../../tools/hub-server';

// The point of this server is that the real @huggingface/hub client works against it.
describe('hub-server with the real @huggingface/hub client', () => {
  let hub: HubServer;
  let first: string;
  let second: string;

  beforeAll(async () => {
    hub = await startHubServer();
    hub.addToken('hf_alice', 'alice');
    const repo = hub.repos.create({ type: 'dataset', name: 'alice/iris' });
    first = repo.commit({ files: { 'data/train.csv': 'a,b\n1,2\n', 'README.md': '# iris' }, message: 'first' });
    second = repo.commit({ files: { 'data/train.csv': 'a,b\n1,2\n3,4\n' }, message: 'second' });
    repo.tag('v1', first);
    hub.repos.create({ type: 'dataset', name: 'alice/secret', private: true }).commit({ files: { 'x.csv': 'x\n1\n' } });
    hub.repos.create({ type: 'model', name: 'alice/net' }).commit({ files: { 'model.onnx': 'onnx' } });
  });
  afterAll(() => hub.close());

  it('resolves branches and tags to commit shas through datasetInfo', async () => {
    const main = await datasetInfo({ name: 'alice/iris', hubUrl: hub.url, additionalFields: ['sha'] });
    expect(main.sha).toBe(second);
    const tagged = await datasetInfo({ name: 'alice/iris', revision: 'v1', hubUrl: hub.url, additionalFields: ['sha'] });
    expect(tagged.sha).toBe(first);
    expect((await modelInfo({ name: 'alice/net', hubUrl: hub.url, additionalFields: ['sha'] })).sha).toMatch(/^[0-9a-f]{40}$/);
  });

  it('downloads a file at a pinned commit, with size and ETag from the Range probe', async () => {
    const repo = { type: 'dataset', name: 'alice/iris' } as const;
    const info = await fileDownloadInfo({ repo, path: 'data/train.csv', revision: first, hubUrl: hub.url });
    expect(info?.size).toBe(8);
    expect(info?.etag).toMatch(/^"[0-9a-f]{64}"$/);
    const blob = await downloadFile({ repo, path: 'data/train.csv', revision: first, hubUrl: hub.url });
    expect(await blob!.text()).toBe('a,b\n1,2\n');
    expect(await downloadFile({ repo, path: 'nope.csv', revision: first, hubUrl: hub.url })).toBeNull();
  });

  it('lists files, paths and commits', async () => {
    const repo = { type: 'dataset', name: 'alice/iris' } as const;
    const files: string[] = [];
    for await (const entry of listFiles({ repo, recursive: true, hubUrl: hub.url })) files.push(`${entry.type}:${entry.path}`);
    expect(files.sort()).toEqual(['directory:data', 'file:README.md', 'file:data/train.csv']);
    const paths = await pathsInfo({ repo, paths: ['data/train.csv'], revision: 'main', hubUrl: hub.url });
    expect(paths[0]?.size).toBe(12);
    const commits: string[] = [];
    for await (const commit of listCommits({ repo, hubUrl: hub.url })) commits.push(commit.oid);
    expect(commits).toEqual([second, first]);
  });

  it('creates, moves and deletes branches (createBranch with overwrite, deleteBranch); main can be neither moved nor deleted', async () => {
    const repo = { type: 'dataset', name: 'alice/iris' } as const;
    const sha = async (revision: string) => (await datasetInfo({ name: 'alice/iris', revision, hubUrl: hub.url, additionalFields: ['sha'] })).sha;
    await createBranch({ repo, branch: 'staging', revision: first, hubUrl: hub.url, accessToken: 'hf_alice' });
    expect(await sha('staging')).toBe(first);
    await expect(createBranch({ repo, branch: 'staging', revision: second, hubUrl: hub.url, accessToken: 'hf_alice' })).rejects.toMatchObject({
      statusCode: 409,
    });
    await createBranch({ repo, branch: 'staging', revision: second, overwrite: true, hubUrl: hub.url, accessToken: 'hf_alice' });
    expect(await sha('staging')).toBe(second);
    await expect(createBranch({ repo, branch: 'main', revision: first, overwrite: true, hubUrl: hub.url, accessToken: 'hf_alice' })).rejects.toMatchObject({
      statusCode: 403,
    });
    await expect(deleteBranch({ repo, branch: 'main', hubUrl: hub.url, accessToken: 'hf_alice' })).rejects.toMatchObject({ statusCode: 403 });
    await deleteBranch({ repo, branch: 'staging', hubUrl: hub.url, accessToken: 'hf_alice' });
    await expect(sha('staging')).rejects.toMatchObject({ statusCode: 404 });
    expect(await sha('main')).toBe(second);
  });

  it('keeps private repos behind a token', async () => {
    const repo = { type: 'dataset', name: 'alice/secret' } as const;
    await expect(downloadFile({ repo, path: 'x.csv', hubUrl: hub.url })).rejects.toMatchObject({ statusCode: 401 });
    const blob = await downloadFile({ repo, path: 'x.csv', hubUrl: hub.url, accessToken: 'hf_alice' });
    expect(await blob!.text()).toBe('x\n1\n');
    expect((await whoAmI({ hubUrl: hub.url, accessToken: 'hf_alice' })).name).toBe('alice');
  });

  it('injects a 500 and a truncated body', async () => {
    hub.faults.failNext(1);
    await expect(datasetInfo({ name: 'alice/iris', hubUrl: hub.url })).rejects.toMatchObject({ statusCode: 500 });
    hub.faults.truncateNext(1);
    const blob = await downloadFile({ repo: { type: 'dataset', name: 'alice/iris' }, path: 'data/train.csv', hubUrl: hub.url });
    await expect(blob!.arrayBuffer()).rejects.toThrow();
  });
});
