import { ArgsType, ClassType, Field, Int, ObjectType } from 'type-graphql';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, Page, PageArgs } from '../../src/db/paginate';

/** The paging arguments of every connection field; services take them as `PageArgs` (src/db/paginate.ts). */
@ArgsType()
export class ConnectionArgs implements PageArgs {
  @Field(() => Int, { nullable: true, description: `Page size, 0 to ${MAX_PAGE_SIZE} (default ${DEFAULT_PAGE_SIZE}).` })
  first?: number | null;
  @Field(() => String, { nullable: true, description: 'The endCursor of the previous page.' }) after?: string | null;
}

@ObjectType('PageInfo', { description: 'Relay page information.' })
class PageInfoType {
  @Field({ description: 'True when more items follow endCursor.' }) hasNextPage: boolean;
  @Field(() => String, { nullable: true, description: 'Pass as `after` to get the next page; null on an empty page.' })
  endCursor: string | null;
}

/** A Relay connection type `<name>Connection` with its `<name>Edge`, over any node type; it serves a `Page<T>`. */
export function ConnectionType<T extends object>(name: string, node: ClassType<T>, what: string) {
  @ObjectType(`${name}Edge`, { description: `One ${what} and its cursor.` })
  class Edge {
    @Field({ description: 'Opaque cursor of this edge.' }) cursor: string;
    @Field(() => node, { description: `The ${what}.` }) node: T;
  }
  @ObjectType(`${name}Connection`, {
    description: `A page of ${what}s (Relay connection; \`first\` at most ${MAX_PAGE_SIZE}).`,
  })
  class Connection implements Page<T> {
    @Field(() => [Edge], { description: 'The page, with cursors.' }) edges: Edge[];
    @Field(() => [node], { description: 'The page, without cursors.' }) nodes: T[];
    @Field(() => PageInfoType, { description: 'Where the page ends.' }) pageInfo: PageInfoType;
    @Field(() => Int, { description: `How many ${what}s match, over all pages.` }) totalCount: Promise<number>;
  }
  return Connection;
}
