// Glance (image) client: create, upload, download, wait and delete — and copying an image between two regions'
// image services as a stream (the transfer step of a cold copy), checked by the hash glance computes.
import * as z from 'zod';
import { CwError } from '../../../../common/errors.js';
import { poll, ServiceClient, type PollOptions } from './service.js';

/**
 * What this client relies on in an image: the fields it reads. Every other property is kept (a copy carries the
 * source's string properties to the other region), typed unknown until something checks it.
 */
const imageSchema = z.looseObject({
  id: z.string().min(1).max(64),
  name: z.string().max(255).nullable(),
  status: z.string().max(32),
  disk_format: z.string().max(64).nullable(),
  container_format: z.string().max(64).nullable(),
  size: z.number().int().nonnegative().nullable(),
  checksum: z.string().max(128).nullable(),
  os_hash_algo: z.string().max(64).nullish(),
  os_hash_value: z.string().max(256).nullish(),
  min_disk: z.number().int().nonnegative(),
  min_ram: z.number().int().nonnegative(),
});
export type GlanceImage = z.output<typeof imageSchema>;

const replies = {
  image: imageSchema.describe('an image'),
  images: z.object({ images: z.array(imageSchema) }).describe('an image list'),
};

export interface CreateImageRequest {
  name: string;
  disk_format: string;
  container_format: string;
  visibility?: 'private' | 'shared' | 'community' | 'public';
  min_disk?: number;
  min_ram?: number;
  /** Extra string properties (glance keeps them as image properties). */
  properties?: Record<string, string>;
}

/** Properties glance manages itself or that must not be copied to another region's image. */
const notCopied = new Set(['id', 'status', 'size', 'virtual_size', 'checksum', 'os_hash_algo', 'os_hash_value', 'owner', 'created_at', 'updated_at', 'file', 'schema', 'self', 'direct_url', 'locations', 'stores', 'tags', 'protected', 'os_hidden', 'name', 'disk_format', 'container_format', 'visibility', 'min_disk', 'min_ram']);

export class GlanceClient extends ServiceClient {
  protected readonly serviceType = 'image';

  async getImage(id: string): Promise<GlanceImage> {
    return (await this.call('GET', `/v2/images/${encodeURIComponent(id)}`, { reply: replies.image })).data;
  }

  async listImages(filter: { name?: string; status?: string } = {}): Promise<GlanceImage[]> {
    return (await this.call('GET', '/v2/images', { query: filter, reply: replies.images })).data.images;
  }

  async createImage(req: CreateImageRequest): Promise<GlanceImage> {
    const body: Record<string, unknown> = { name: req.name, disk_format: req.disk_format, container_format: req.container_format, ...(req.properties ?? {}) };
    if (req.visibility) body.visibility = req.visibility;
    if (req.min_disk !== undefined) body.min_disk = req.min_disk;
    if (req.min_ram !== undefined) body.min_ram = req.min_ram;
    return (await this.call('POST', '/v2/images', { json: body, expect: [201], reply: replies.image })).data;
  }

  /** Uploads the image data (bytes or a stream) into a queued image. */
  async upload(id: string, data: Uint8Array | ReadableStream<Uint8Array>, options: { timeoutMs?: number } = {}): Promise<void> {
    await this.call('PUT', `/v2/images/${encodeURIComponent(id)}/file`, { body: data, headers: { 'Content-Type': 'application/octet-stream' }, expect: [204], timeoutMs: options.timeoutMs ?? 30 * 60_000 });
  }

  /** The image data as a stream (204 = no data yet). */
  async download(id: string, options: { timeoutMs?: number } = {}): Promise<ReadableStream<Uint8Array>> {
    const reply = await this.call('GET', `/v2/images/${encodeURIComponent(id)}/file`, { stream: true, headers: { Accept: 'application/octet-stream' }, expect: [200, 204], timeoutMs: options.timeoutMs ?? 30 * 60_000 });
    if (reply.status === 204 || !reply.stream) throw new CwError('NOT_FOUND', `Image ${id} in ${this.region} has no data yet (status queued); wait until it is active.`);
    return reply.stream;
  }

  async deleteImage(id: string): Promise<void> {
    await this.call('DELETE', `/v2/images/${encodeURIComponent(id)}`, { expect: [204, 404] });
  }

  /** Waits until the image is active; killed or deleted ends the wait with an error. */
  async waitForImage(id: string, options: PollOptions = {}): Promise<GlanceImage> {
    return poll(
      `image ${id} in ${this.region} to become active`,
      () => this.getImage(id),
      (img) => {
        if (img.status === 'killed' || img.status === 'deleted') throw new CwError('REMOTE_FAILED', `Image ${img.name ?? id} in ${this.region} is ${img.status}; its upload failed.`);
        return img.status === 'active' ? img : undefined;
      },
      options,
    );
  }

  /**
   * Copies an active image from `source` (another region's image service) into this one: metadata first, then
   * the data streamed from one to the other without a local copy; verified by glance's own hash on both sides.
   */
  async copyFrom(source: GlanceClient, imageId: string, options: { name?: string; timeoutMs?: number } = {}): Promise<GlanceImage> {
    const src = await source.getImage(imageId);
    if (src.status !== 'active') throw new CwError('CONFLICT', `Image ${src.name ?? imageId} in ${source.region} is ${src.status}, not active; it cannot be copied yet.`);
    const properties = Object.fromEntries(Object.entries(src).filter(([k, v]) => !notCopied.has(k) && typeof v === 'string')) as Record<string, string>;
    const created = await this.createImage({
      name: options.name ?? src.name ?? imageId,
      disk_format: src.disk_format ?? 'raw',
      container_format: src.container_format ?? 'bare',
      min_disk: src.min_disk,
      min_ram: src.min_ram,
      properties: { ...properties, 'clusterwright.copied_from': `${source.region}/${imageId}` },
    });
    try {
      await this.upload(created.id, await source.download(imageId, { timeoutMs: options.timeoutMs }), { timeoutMs: options.timeoutMs });
      const copy = await this.waitForImage(created.id, { timeoutMs: options.timeoutMs ?? 120_000 });
      const same = src.os_hash_algo && src.os_hash_algo === copy.os_hash_algo ? src.os_hash_value === copy.os_hash_value : src.checksum === copy.checksum;
      if (!same || src.size !== copy.size) throw new CwError('REMOTE_FAILED', `The copy of image ${src.name ?? imageId} in ${this.region} differs from the source in ${source.region} (size ${copy.size} vs ${src.size}); it was deleted.`);
      return copy;
    } catch (error) {
      await this.deleteImage(created.id).catch(() => undefined);
      throw error;
    }
  }
}
